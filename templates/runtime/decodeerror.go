//go:build mluviigen

package mluvii

import (
	"strconv"
	"strings"
)

// DecodeError reports a body that Decode cannot accept: what is wrong (Msg)
// and where (Path, Offset), with the body itself for logging or replay.
type DecodeError struct {
	// Activity is the activity name the body gave, if it got that far.
	Activity string
	// Path locates the offending value, e.g. "sessionId" or
	// "availableGroups[2].groupWorkload.freeSlots"; empty for the body as a whole.
	Path string
	// Msg says what is wrong.
	Msg string
	// Offset is the byte offset in Body where the problem was found.
	Offset int
	// Body is the raw body that failed to decode.
	Body []byte
}

// Error says what is wrong and where, without the body.
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("mluvii: cannot decode ")
	if e.Activity != "" {
		b.WriteString(e.Activity)
	} else {
		b.WriteString("activity")
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	b.WriteString(" (offset ")
	b.WriteString(strconv.Itoa(e.Offset))
	b.WriteString(")")
	return b.String()
}

func (e *DecodeError) prefix(field string) {
	switch {
	case e.Path == "":
		e.Path = field
	case e.Path[0] == '[':
		e.Path = field + e.Path
	default:
		e.Path = field + "." + e.Path
	}
}

func (e *DecodeError) prefixIndex(i int) {
	idx := "[" + strconv.Itoa(i) + "]"
	if e.Path == "" || e.Path[0] == '[' {
		e.Path = idx + e.Path
	} else {
		e.Path = idx + "." + e.Path
	}
}
