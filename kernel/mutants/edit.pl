#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# edit.pl FILE ANCHOR OLD NEW [WINDOW]
#
# One scripted source edit for a mutant. ANCHOR is a fixed string that must
# occur on exactly one line of FILE; OLD is a fixed string that must occur on
# one of the WINDOW lines (default 20) starting at that anchor line; its first
# occurrence there is replaced by NEW. In NEW, "\n" starts a new line and "\t"
# is a tab. The edit fails loudly (exit 1, one line on stderr) when the anchor
# is missing or ambiguous, when OLD is not in the window, or when the file did
# not change: a newer kernel source whose context moved must not let a mutant
# silently turn into the stock code.
use strict;
use warnings;

sub usage {
	print "usage: edit.pl FILE ANCHOR OLD NEW [WINDOW]\n";
}

if (@ARGV && ($ARGV[0] eq '-h' || $ARGV[0] eq '--help')) {
	usage();
	exit 0;
}
if (@ARGV < 4 || @ARGV > 5) {
	print STDERR "edit.pl: expected 4 or 5 arguments (try --help)\n";
	exit 2;
}
my ($file, $anchor, $old, $new, $window) = @ARGV;
$window //= 20;
if ($window !~ /^[1-9][0-9]*$/) {
	print STDERR "edit.pl: WINDOW must be a positive number\n";
	exit 2;
}
if ($anchor eq '' || $old eq '') {
	print STDERR "edit.pl: ANCHOR and OLD must not be empty\n";
	exit 2;
}
$new =~ s/\\n/\n/g;
$new =~ s/\\t/\t/g;

open(my $in, '<', $file) or do {
	print STDERR "edit.pl: cannot read $file: $!\n";
	exit 1;
};
my @lines = <$in>;
close($in);
my $before = join('', @lines);

my @hits = grep { index($lines[$_], $anchor) >= 0 } 0 .. $#lines;
if (@hits != 1) {
	printf STDERR "edit.pl: %s: anchor '%s' found on %d lines, need exactly 1\n",
		$file, $anchor, scalar(@hits);
	exit 1;
}
my $at = $hits[0];
my $last = $at + $window - 1;
$last = $#lines if $last > $#lines;
my $done = 0;
for my $i ($at .. $last) {
	my $pos = index($lines[$i], $old);
	next if $pos < 0;
	substr($lines[$i], $pos, length($old)) = $new;
	printf "edited %s:%d\n", $file, $i + 1;
	$done = 1;
	last;
}
if (!$done) {
	printf STDERR "edit.pl: %s: '%s' not found within %d lines after anchor '%s' (line %d)\n",
		$file, $old, $window, $anchor, $at + 1;
	exit 1;
}
my $after = join('', @lines);
if ($after eq $before) {
	print STDERR "edit.pl: $file: edit left the file unchanged\n";
	exit 1;
}
open(my $out, '>', $file) or do {
	print STDERR "edit.pl: cannot write $file: $!\n";
	exit 1;
};
print $out $after;
close($out) or do {
	print STDERR "edit.pl: cannot write $file: $!\n";
	exit 1;
};
exit 0;
