"""The subset of the Kusto Query Language (KQL) that detection and hunting queries use, as an
LALR grammar.

It covers statements (``let`` bindings of scalars, lists, sub-queries and functions; ``set``,
``declare``), tabular pipelines and the scalar expression language in full (operators,
calls, member access, literals of every string form), and the pipe operators rules use, with their
column lists, so that later filters can be told apart (original column or computed one). Pipe
operators whose arguments have a syntax of their own (``parse``, ``evaluate``, ``render``,
``fork`` ...) are recognized by name; :mod:`rulelint.formats.kusto.scan` blanks their
arguments before parsing.
"""

from __future__ import annotations

#: Pipe operators read by name only (their arguments are blanked by the pre-scan).
OPAQUE_OPERATORS: tuple[str, ...] = (
    "parse-where",
    "parse-kv",
    "parse",
    "evaluate",
    "invoke",
    "render",
    "make-series",
    "fork",
    "facet",
    "partition",
    "scan",
    "reduce",
    "top-nested",
    "top-hitters",
    "sample-distinct",
    "project-smart",
    "consume",
    "find",
    "graph-match",
    "make-graph",
    "lookup-v",
)

_OPAQUE = "|".join(name.replace("-", "\\-") for name in OPAQUE_OPERATORS)
# One literal of a literal list, and what may separate two (IOC lists are long: one token each).
_LIT = (
    r'''[hH]?@"(?:[^"\n]|"")*"|[hH]?@'(?:[^'\n]|'')*'|[hH]?"(?:[^"\\\n]|\\.)*"'''
    r"""|[hH]?'(?:[^'\\\n]|\\.)*'|-?\d+(?:\.\d+)?(?![\w.])"""
)
_SEP = r"\s*"  # comments between items: the ordinary grammar (a comment here backtracks badly)

GRAMMAR = (
    r"""
start: _stmt? (_SEMI _stmt?)*

_stmt: let_stmt | set_stmt | declare_stmt | pipeline

let_stmt: "let" name "=" let_value
?let_value: pipeline
          | fn_def
fn_def: "(" [param ("," param)*] ")" "{" fn_body "}"
      | "view" "(" [param ("," param)*] ")" "{" fn_body "}"
fn_body: _stmt? (_SEMI _stmt?)*
param: name ":" type_ref ["=" expr]
type_ref: NAME
        | "(" "*" ")"
        | "(" col_decl ("," col_decl)* ["," "*"] ")"
col_decl: name ":" NAME
set_stmt: "set" NAME ("." NAME)* ["=" expr]
declare_stmt: "declare" "query_parameters" "(" param ("," param)* ")"

pipeline: _source ("|" _stage)*
_source: expr
       | union_src
       | print_src
       | range_src
       | search_op
       | find_src

// -- pipe operators -------------------------------------------------------------------------
_stage: where_op | extend_op | project_op | project_away | project_keep | project_rename
      | project_reorder | summarize_op | distinct_op | take_op | top_op | sort_op | count_op
      | as_op | serialize_op | getschema_op | mv_expand_op | mv_apply_op | join_op | lookup_op
      | union_op
      | sample_op | search_op | opaque_op

where_op: ("where" | "filter") expr
extend_op: "extend" assign_list
project_op: "project" assign_list
project_away: "project-away" pattern_list
project_keep: "project-keep" pattern_list
project_reorder: "project-reorder" sort_pattern ("," sort_pattern)*
project_rename: "project-rename" assign_list
summarize_op: "summarize" option* [assign_list] [_BY assign_list]
distinct_op: "distinct" option* assign_list
take_op: ("take" | "limit") option* expr
sample_op: "sample" expr
top_op: "top" expr _BY sort_item ("," sort_item)*
sort_op: ("sort" | "order") option* _BY sort_item ("," sort_item)*
sort_item: expr [ASC_DESC] ["nulls" ("first" | "last")]
count_op: "count"
as_op: "as" option* name
serialize_op: "serialize" [assign_list]
getschema_op: "getschema"
mv_expand_op: ("mv-expand" | "mvexpand") option* mv_item ("," mv_item)* ["limit" expr]
mv_item: assign ["to" "typeof" "(" NAME ")"]
// mv-apply: a sub-query of pipe stages run on each row's expanded array
mv_apply_op: ("mv-apply" | "mvapply") option* mv_item ("," mv_item)* ["limit" expr] "on" "(" mv_apply_body ")"
mv_apply_body: _stage ("|" _stage)*
join_op: "join" option* join_side ["on" join_conds]
lookup_op: "lookup" option* join_side "on" join_conds
join_side: postfix
join_conds: expr ("," expr)*
union_op: "union" option* union_leg ("," union_leg)*
union_src: "union" option* union_leg ("," union_leg)*
union_leg: postfix
         | NAME_PATTERN
search_op: "search" option* [IN_OP "(" pattern_list ")"] expr
opaque_op: OPAQUE_OP
find_src: "find" option* [IN_OP "(" pattern_list ")"] "where" expr ["project" assign_list]
print_src: "print" assign_list
range_src: "range" name "from" expr "to" expr "step" expr

option: OPTION

pattern_list: (name | NAME_PATTERN) ("," (name | NAME_PATTERN))*
sort_pattern: (name | NAME_PATTERN) [ASC_DESC]
assign_list: assign ("," assign)*
?assign: expr
       | name "=" expr                                   -> named
       | "(" name "," name ("," name)* ")" "=" expr      -> tuple_named

// -- scalar expressions ---------------------------------------------------------------------
?expr: or_expr
?or_expr: or_expr "or" and_expr                           -> or_
        | and_expr
?and_expr: and_expr "and" cmp_expr                        -> and_
         | cmp_expr
?cmp_expr: add_expr
         | add_expr CMP_OP add_expr                       -> compare
         | add_expr STR_OP add_expr                       -> compare
         | add_expr MATCHES_REGEX add_expr                -> compare
         | add_expr IN_OP "(" [args] ")"                   -> in_list
         | add_expr LIST_OP "(" [args] ")"                 -> in_list
         | add_expr BETWEEN_OP "(" add_expr ".." add_expr ")" -> between
?add_expr: add_expr ADD_OP mul_expr                       -> arith
         | mul_expr
?mul_expr: mul_expr (STAR | DIV_OP) unary_expr            -> arith
         | unary_expr
?unary_expr: ADD_OP unary_expr                            -> unary
           | postfix
?postfix: postfix "." member_name                         -> member
        | postfix "[" expr "]"                            -> index
        | postfix "." "[" expr "]"                        -> index
        | postfix "(" [args] ")"                          -> call
        | atom
?atom: name
     | literal
     | "(" pipeline ")"
     | "[" [args] "]"                                     -> array
     | "{" [bag_item ("," bag_item)*] "}"                 -> bag
     | datatable
     | externaldata
     | STAR                                               -> star
member_name: NAME | BRACKET_NAME | DIGIT_NAME | STRING_DQ | STRING_SQ
args: arg ("," arg)*
    | LITERAL_LIST                                        -> literal_list
?arg: pipeline
    | name "=" expr                                       -> named
bag_item: (string | name) ":" expr
// a schema's column list may end with a comma (Kusto's own grammar: allowTrailingComma)
datatable: "datatable" "(" [col_decl ("," col_decl)* [","]] ")" "[" [args] "]"
externaldata: "externaldata" "(" [col_decl ("," col_decl)* [","]] ")" "[" [args] "]" ["with" "(" [assign_list] ")"]

?literal: string
        | NUMBER                                          -> number
        | TIMESPAN                                        -> timespan
        | DATETIME                                        -> datetime
        | TIMESPAN_CALL                                   -> timespan
        | GUID                                            -> guid
string: (STRING_DQ | STRING_SQ | VERBATIM_DQ | VERBATIM_SQ | MULTILINE)+
name: NAME | BRACKET_NAME | DIGIT_NAME

// -- terminals ------------------------------------------------------------------------------
_SEMI: ";"
_BY: "by"
ASC_DESC.2: /(?:asc|desc)(?![\w])/
STAR: "*"
DIV_OP: "/" | "%"
ADD_OP: "+" | "-"
CMP_OP: "==" | "!=" | "<>" | "<=" | ">=" | "<" | ">" | "=~" | "!~"
STR_OP.2: /(?:!?(?:hasprefix|hassuffix|has|contains|startswith|endswith)(?:_cs)?|notcontains(?:cs)?|containscs|nothas(?:cs)?|hascs)(?![\w])/
LIST_OP.2: /!?has_(?:any|all)(?![\w])/
IN_OP.2: /!?in~?(?![\w~])/
BETWEEN_OP.2: /!?between(?![\w])/
MATCHES_REGEX.2: /matches\s+regex(?![\w])/
OPTION.3: /(?:kind|withsource|with_source|isfuzzy|bagexpansion|with_itemindex|flags|hint\.[A-Za-z_]+)\s*=(?![=~])\s*(?:[\w.$-]+|"[^"\n]*"|'[^'\n]*')/
OPAQUE_OP.3: /(?:@OPAQUE@)(?![\w-])/
DATETIME.3: /datetime\s*\([^()]*\)/
TIMESPAN_CALL.3: /(?:time|timespan)\s*\(\s*[-\d.:]+\s*\)/
GUID.3: /guid\s*\([^()]*\)/
TIMESPAN.2: /(?:\d+(?:\.\d+)?|\.\d+)(?:days?|d|hours?|hrs?|hr|h|minutes?|min|m|seconds?|sec|s|milliseconds?|millis?|ms|microseconds?|micros?|ticks?|nanoseconds?)(?![\w])/
LITERAL_LIST.4: /(?:@LIT@)(?:@SEP@,@SEP@(?:@LIT@))+(?:@SEP@,)?(?=@SEP@[)\]])/
NUMBER: /0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/
STRING_DQ.2: /[hH]?"(?:[^"\\\n]|\\.)*"/
STRING_SQ.2: /[hH]?'(?:[^'\\\n]|\\.)*'/
VERBATIM_DQ.2: /[hH]?@"(?:[^"\n]|"")*"/
VERBATIM_SQ.2: /[hH]?@'(?:[^'\n]|'')*'/
MULTILINE.2: /```[\s\S]*?```|~~~[\s\S]*?~~~/
BRACKET_NAME.2: /\[\s*(?:'[^'\n]*'|"[^"\n]*")\s*\]/
NAME_PATTERN.2: /[A-Za-z_$][\w$]*\*[\w$*]*|\*[\w$][\w$*]*/
NAME: /[A-Za-z_$][\w$]*/
DIGIT_NAME.1: /(?!0[xX])\d+(?![eE][+-]?\d+(?![\w]))[A-Za-z_][\w$]*/
COMMENT: /\/\/[^\n]*/
WS: /[\s\u200b\ufeff]+/
%ignore WS
%ignore COMMENT
""".replace("@OPAQUE@", _OPAQUE)
    .replace("@LIT@", _LIT)
    .replace("@SEP@", _SEP)
)
