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

	logMsg  string // Msg without the values quoted from the body, if it quotes any
	logPath string // Path with map keys (text from the body) shown as "…"
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

// setPath sets the path to a field name of the spec.
func (e *DecodeError) setPath(field string) { e.Path, e.logPath = field, field }

// prefix prefixes the path with a field name of the spec.
func (e *DecodeError) prefix(field string) {
	e.Path = joinPath(field, e.Path)
	e.logPath = joinPath(field, e.logPath)
}

// prefixKey prefixes the path with a map key from the body.
func (e *DecodeError) prefixKey(key string) {
	e.Path = joinPath(key, e.Path)
	e.logPath = joinPath("…", e.logPath)
}

func (e *DecodeError) prefixIndex(i int) {
	idx := "[" + strconv.Itoa(i) + "]"
	e.Path = joinPath(idx, e.Path)
	e.logPath = joinPath(idx, e.logPath)
}

// joinPath puts segment in front of path: "a" + "b" is "a.b", "a" + "[1]"
// is "a[1]".
func joinPath(segment, path string) string {
	switch {
	case path == "":
		return segment
	case path[0] == '[':
		return segment + path
	default:
		return segment + "." + path
	}
}

// LogValue implements slog.LogValuer: what is wrong and where, with what
// comes from the body left out (logs never carry body content): values the
// message quotes, map keys in the path (shown as "…"), and an activity name
// the spec does not know.
func (e *DecodeError) LogValue() slog.Value {
	msg := e.Msg
	if e.logMsg != "" {
		msg = e.logMsg
	}
	attrs := make([]slog.Attr, 0, 5)
	// Only a name the spec knows: an unknown one is text from the body.
	if info, ok := LookupActivity(e.Activity); ok {
		attrs = append(attrs, slog.String("activity", info.Name))
	}
	if e.logPath != "" {
		attrs = append(attrs, slog.String("path", e.logPath))
	}
	return slog.GroupValue(append(attrs, slog.String("problem", msg), slog.Int("offset", e.Offset),
		slog.Int("bytes", len(e.Body)))...)
}
