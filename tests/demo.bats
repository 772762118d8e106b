#!/usr/bin/env bats
# make demo (scripts/demo): it runs from the build alone and shows what it
# says it shows.

load common

@test "the demo: the pass-through in order beside 2>&1 | tee and two tees, a log, cronty silent and reporting" {
	run --separate-stderr env DTEE_BUILD="$DTEE_BUILD" "$BATS_TEST_DIRNAME/../scripts/demo"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	# 1: dtee on the terminal, both streams through, the job's status.
	[[ "$output" == *"step 1: compile"$'\n'"step 2: link"$'\n'"step 3: give up"$'\n'"(exit status 3, the job's"* ]] ||
		fail "$output"
	[ "$stderr" = "warning: odd flag
error: no libfoo" ]
	# 2: the first column, dtee's, is the job's order with its streams;
	# the second, 2>&1 | tee, the same order, all on stdout.
	sed -n '/^== 2\. What reaches/,/^dtee keeps/p' <<<"$output" | sed '1,3d;$d' >table
	[ "$(cut -c1-28 table | sed 's/ *$//')" = "1 step 1: compile
2 warning: odd flag
1 step 2: link
2 error: no libfoo
1 step 3: give up" ] || fail "$(cat table)"
	[ "$(cut -c30-57 table | sed 's/ *$//')" = "1 step 1: compile
1 warning: odd flag
1 step 2: link
1 error: no libfoo
1 step 3: give up" ] || fail "$(cat table)"
	# Two tees: all five lines, each on its own stream (their order varies).
	[ "$(cut -c59- table | sort)" = "1 step 1: compile
1 step 2: link
1 step 3: give up
2 error: no libfoo
2 warning: odd flag" ] || fail "$(cat table)"
	# 3: text records and a JSON line.
	grep -Eq '^[0-9-]{10}T[0-9:.]{15}[+-][0-9:]{5} E: warning: odd flag$' <<<"$output"
	grep -q '^{"time":"[^"]*","stream":"stderr","pid":[0-9]*,"partial":false,"text":"warning: odd flag"}$' <<<"$output"
	# 4: the silent run prints nothing; the other replays and reports.
	grep -A1 -x "\$ cronty sh -c 'echo all well'" <<<"$output" | tail -n 1 | grep -q '^(nothing printed'
	grep -A4 -x "\$ cronty sh -c 'echo working; echo oops >&2; echo done'" <<<"$output" >report
	[ "$(tail -n 4 report)" = "working
oops
done
cronty: sh: exited with status 0" ] || fail "$(cat report)"
}
