# bash completion for dtee(1) and cronty: dtee's options and their arguments,
# then a command name, then that command's own completion, as bash-completion
# does for sudo, nohup and timeout.

# One option a line: its spellings joined by |, then what its argument is:
#   -              none
#   file           a file name
#   pid            a process id
#   text           free text: nothing to offer
#   word W...      one of the words W
#   list W...      a comma-separated list of the words W
#   optword W...   an optional argument, --name=W only
_dtee_table='
-o|--out-append             file
-O|--out-overwrite          file
-e|--err-append             file
-E|--err-overwrite          file
-c|--combined-append        file
-C|--combined-overwrite     file
-l|--log-append             file
-L|--log-overwrite          file
--log-format                word text json cri
--time-format               text
--color|--colour            optword never auto always
--keep-buffering            -
--line-buffering            -
--journal                   -
--syslog                    optword kern user mail daemon auth syslog lpr news uucp cron authpriv ftp local0 local1 local2 local3 local4 local5 local6 local7
--priority                  list emerg alert crit err warning notice info debug
--ident                     text
--report-on                 list failure stderr always
--ignore-stderr             text
--report-limit              text
--attach                    pid
--force                     -
-i|--ignore-interrupts      -
-p                          -
--output-error              optword warn warn-nopipe exit exit-nopipe
-q|--cron                   -
--no-preload                -
--seccomp                   -
-h|--help                   -
-V|--version                -
'

declare -gA _dtee_kind=() _dtee_words=()
declare -g _dtee_names=

_dtee_load_table()
{
    local names kind words name
    local -a spellings
    while read -r names kind words; do
        [[ $names ]] || continue
        IFS='|' read -ra spellings <<<"$names"
        for name in "${spellings[@]}"; do
            _dtee_kind[$name]=$kind
            _dtee_words[$name]=$words
            case $kind in
                - | optword) _dtee_names+=" $name" ;;
                *) [[ $name == --* ]] && _dtee_names+=" $name=" || _dtee_names+=" $name" ;;
            esac
            [[ $kind == optword ]] && _dtee_names+=" $name="
        done
    done <<<"$_dtee_table"
}
_dtee_load_table

# _dtee_takes_arg OPTION: OPTION, given alone, takes the next word.
_dtee_takes_arg()
{
    local kind=${_dtee_kind[$1]-}
    [[ $kind && $kind != - && $kind != optword ]]
}

# _dtee_argument OPTION: complete $cur as OPTION's argument.
_dtee_argument()
{
    local words=${_dtee_words[$1]-} head
    case ${_dtee_kind[$1]-} in
        file) _filedir ;;
        pid) _pids ;;
        word | optword) COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
        list)
            head=${cur%"${cur##*,}"}
            COMPREPLY=($(compgen -P "$head" -W "$words" -- "${cur##*,}"))
            compopt -o nospace
            ;;
    esac
}

# _dtee_scan: set cmd to the index of the command word in words[], or
# argfor to the option whose separate argument is the current word.
_dtee_scan()
{
    local i j w
    cmd= argfor=
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $w == -- ]]; then
            cmd=$((i + 1))
            return
        elif [[ $w == --* ]]; then
            [[ $w != *=* ]] && _dtee_takes_arg "$w" && { ((++i == cword)) && argfor=$w; }
        elif [[ $w == -?* ]]; then
            # A cluster such as -qo: the first letter taking an argument
            # takes the rest of the word, or else the next word.
            for ((j = 1; j < ${#w}; j++)); do
                _dtee_takes_arg "-${w:j:1}" || continue
                ((j == ${#w} - 1)) && { ((++i == cword)) && argfor=-${w:j:1}; }
                break
            done
        else
            cmd=$i
            return
        fi
    done
}

_dtee()
{
    local cur prev words cword split cmd argfor
    _init_completion -s || return

    _dtee_scan
    if [[ $cmd ]]; then
        if declare -F _comp_command_offset >/dev/null; then
            _comp_command_offset "$cmd"
        else
            _command_offset "$cmd"
        fi
    elif [[ $argfor ]]; then
        _dtee_argument "$argfor"
    elif [[ $split == true ]]; then
        _dtee_argument "$prev"
    elif [[ $cur == -* ]]; then
        local names=$_dtee_names
        # Cron mode refuses --attach and --force: cronty does not offer them.
        if [[ ${words[0]##*/} == cronty ]]; then
            names=${names/ --attach=/}
            names=${names/ --force/}
        fi
        COMPREPLY=($(compgen -W "$names" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
    elif declare -F _comp_command_offset >/dev/null; then
        _comp_command_offset "$cword"
    else
        _command_offset "$cword"
    fi
} &&
    complete -F _dtee dtee cronty

# ex: filetype=sh
