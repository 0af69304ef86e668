package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a spec file. Line and Col are 1-based; zero means unknown.
type Pos struct {
	File      string
	Line, Col int
}

// EmbeddedName is the file name that stands for the embedded default spec
// where no file holds it (a downstream module has no spec/mluvii.yaml): a
// position in it renders in words, naming the command that prints the spec,
// e.g. "line 352 of the embedded spec (see `mluviigen spec`)".
const EmbeddedName = "embedded:" + DefaultPath

// String renders the position as file:line:col (in words for EmbeddedName).
func (p Pos) String() string {
	switch {
	case p.File == EmbeddedName && p.Line == 0:
		return "the embedded spec (see `mluviigen spec`)"
	case p.File == EmbeddedName:
		return fmt.Sprintf("line %d of the embedded spec (see `mluviigen spec`)", p.Line)
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// RelativeTo renders p for a message positioned at here: line:col when both
// are in the same file, file:line:col when p is in another (a base spec and
// its overlays).
func (p Pos) RelativeTo(here Pos) string {
	if p.File == here.File && p.Line > 0 {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return p.String()
}

// Error is one problem found in a spec.
type Error struct {
	Pos Pos
	Msg string

	// covers are the positions whose validation problems are consequences
	// of this one (a misspelt key leaves its mapping without that key, a
	// value of the wrong kind leaves its key empty): reporting them as well
	// would only repeat it.
	covers []Pos
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList collects every problem of a spec. Its Error method renders them
// sorted by position, one per line.
type ErrorList []*Error

// Add appends a problem.
func (l *ErrorList) Add(pos Pos, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// cover records that the validation problems at positions are consequences
// of the last problem added.
func (l ErrorList) cover(positions ...Pos) {
	if len(l) > 0 {
		e := l[len(l)-1]
		e.covers = append(e.covers, positions...)
	}
}

// withoutFollowOns returns the problems of later (found by Validate) that are
// not consequences of those in l (found while parsing or merging): none
// positioned where a problem of l is, or at a position one of them covers.
func (l ErrorList) withoutFollowOns(later ErrorList) ErrorList {
	covered := map[Pos]bool{}
	for _, e := range l {
		covered[e.Pos] = true
		for _, p := range e.covers {
			covered[p] = true
		}
	}
	var out ErrorList
	for _, e := range later {
		if !covered[e.Pos] {
			out = append(out, e)
		}
	}
	return out
}

// Sort orders the problems by file, line, column and message.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Msg < b.Msg
	})
}

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}
