# Dtee::Order: dtee's Perl hook, loaded through PERL5OPT under dtee (see
# dtee(1), BUFFERING, and docs/libdtee.md).  It acts only when fd 1 is a
# socket (dtee's: libdtee.so takes it out of PERL5OPT in a process whose
# fd 1 is not):
#   _DTEE_STDOUT=L  STDOUT flushed after each print: one print, one write;
#   _DTEE_STDOUT=F  STDOUT keeps its buffer, flushed before each write to
#                   STDERR (a PerlIO::via layer on STDERR).
package Dtee::Order;
use strict;
use warnings;

sub PUSHED {
	my ($class) = @_;
	my $self;
	return bless \$self, $class;
}

sub WRITE {
	my ($self, $buf, $fh) = @_;
	STDOUT->flush;
	return syswrite($fh, $buf) // -1;
}

sub FLUSH { return 0 }

{
	my $mode = $ENV{_DTEE_STDOUT} // '';
	if (($mode eq 'L' || $mode eq 'F') && -S STDOUT) {
		require IO::Handle;
		if ($mode eq 'L') {
			STDOUT->autoflush(1);
		} else {
			binmode(STDERR, ':via(Dtee::Order)');
		}
	}
}

1;
