package mluvii

import (
	"log/slog"
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

	logMsg string // Msg without the values quoted from the body, if it quotes any
}

// Error says what is wrong and where. It does not include Body, but Msg may
// quote the offending value (e.g. a timestamp that is not one); log the error
// through log/slog, whose LogValue leaves such values out.
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

// LogValue implements slog.LogValuer: what is wrong and where, with the values
// quoted from the body left out (logs never carry body content).
func (e *DecodeError) LogValue() slog.Value {
	msg := e.Msg
	if e.logMsg != "" {
		msg = e.logMsg
	}
	attrs := make([]slog.Attr, 0, 5)
	if e.Activity != "" {
		attrs = append(attrs, slog.String("activity", e.Activity))
	}
	if e.Path != "" {
		attrs = append(attrs, slog.String("path", e.Path))
	}
	return slog.GroupValue(append(attrs, slog.String("problem", msg), slog.Int("offset", e.Offset),
		slog.Int("bytes", len(e.Body)))...)
}
