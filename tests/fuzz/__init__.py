"""Property tests feeding every reader mutated rules and random text."""
