# fish completion for dtee(1) and cronty: dtee's options and their arguments,
# then a command name, then that command's own completion (as for nohup).

# One option a line: short|long|argument|description. The argument is
# - (none), file, pid, text (nothing to offer), or the words to offer;
# =WORDS for an optional argument (--name=WORD only).
set -l dtee_table \
    'o|out-append|file|append standard output to FILE' \
    'O|out-overwrite|file|copy standard output to FILE, truncating it' \
    'e|err-append|file|append standard error to FILE' \
    'E|err-overwrite|file|copy standard error to FILE, truncating it' \
    'c|combined-append|file|append both streams, in order, to FILE' \
    'C|combined-overwrite|file|copy both streams, in order, to FILE, truncating it' \
    'l|log-append|file|append annotated lines to FILE' \
    'L|log-overwrite|file|write annotated lines to FILE, truncating it' \
    '|log-format|text json cri|format of the annotated log' \
    '|time-format|text|format of the timestamps' \
    '|color|=never auto always|standard error in red on a terminal' \
    '|colour|=never auto always|standard error in red on a terminal' \
    '|keep-buffering|-|leave the command\'s stdio buffering alone' \
    '|line-buffering|-|line-buffer the command\'s stdout always' \
    '|journal|-|send lines to the systemd journal' \
    '|syslog|=kern user mail daemon auth syslog lpr news uucp cron authpriv ftp local0 local1 local2 local3 local4 local5 local6 local7|send lines to syslog' \
    '|priority|text|priorities of standard output and error (OUT,ERR)' \
    '|ident|text|identifier for the journal and syslog' \
    '|report-on|failure stderr always|when cron mode reports' \
    '|ignore-stderr|text|standard error lines that do not trigger a report' \
    '|report-limit|text|largest report' \
    '|attach|pid|take over the output of a running process' \
    '|force|-|attach even where dtee would refuse' \
    'i|ignore-interrupts|-|ignore SIGINT' \
    '|output-error|=warn warn-nopipe exit exit-nopipe|what a failed output does (-p: warn-nopipe)' \
    'q|cron|-|cron mode' \
    '|no-preload|-|do not inject libdtee.so into the command' \
    '|seccomp|-|also split large writes libdtee.so cannot see' \
    'h|help|-|display help and exit' \
    'V|version|-|output version information and exit'

# The spellings of the options that take the next word as their argument.
set -g __fish_dtee_with_param

# Print the command dtee runs, from its name to the word being completed;
# fail while that word is still one of dtee's own.
function __fish_dtee_command
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l skip 0
    for i in (seq (math (count $words) - 1))
        set -l w $words[$i]
        if test $skip = 1
            set skip 0
        else if test "$w" = --
            printf '%s\n' $words[(math $i + 1)..-1]
            return 0
        else if contains -- $w $__fish_dtee_with_param
            set skip 1
        else if not string match -q -- '-*' $w
            printf '%s\n' $words[$i..-1]
            return 0
        end
    end
    return 1
end

for cmd in dtee cronty
    complete -c $cmd -f -n '__fish_dtee_command >/dev/null' \
        -a '(__fish_complete_subcommand --commandline (__fish_dtee_command))'
    complete -c $cmd -f -n 'not __fish_dtee_command >/dev/null; and not string match -q -- "-*" (commandline -ct)' \
        -a '(__fish_complete_command)'
end

complete -c dtee -c cronty -n 'not __fish_dtee_command >/dev/null' -s p -d 'copy on when a reader goes away (--output-error=warn-nopipe)'

for line in $dtee_table
    set -l f (string split '|' -- $line)
    set -l spec -n 'not __fish_dtee_command >/dev/null' -d $f[4]
    if test -n "$f[1]"
        set -a spec -s $f[1]
    end
    set -a spec -l $f[2]
    switch $f[3]
        case -
        case file
            set -a spec -r -F
        case pid
            set -a spec -x -a '(__fish_complete_pids)'
        case text
            set -a spec -x
        case '=*'
            set -a spec -f -a (string sub -s 2 -- $f[3])
        case '*'
            set -a spec -x -a $f[3]
    end
    switch $f[3]
        case - '=*'
        case '*'
            test -n "$f[1]"; and set -a __fish_dtee_with_param -$f[1]
            set -a __fish_dtee_with_param --$f[2]
    end
    for cmd in dtee cronty
        # Cron mode refuses --attach and --force: cronty does not offer them.
        if test $cmd = cronty; and contains -- $f[2] attach force
            continue
        end
        complete -c $cmd $spec
    end
end
