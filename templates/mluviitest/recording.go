package mluviitest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Recording is a recorded conversation: what mluvii sent the bot and what
// the bot sent mluvii, in order, in the JSON Lines format that the generated
// package's Recorder writes (NewRecorder, WithDispatchRecorder,
// WithClientRecorder) and mluvii-mock saves:
//
//	{"format":"mluvii-recording","version":1}
//	{"t":0,"dir":"in","session":4815162342,"activity":"ConversationStarted","status":200,"body":{…}}
//	{"t":12,"dir":"out","session":4815162342,"activity":"Text","status":200,"body":{…}}
//
// Replay plays one against a bot.
type Recording struct {
	// Version is the format version of the header line.
	Version int
	// Entries are the recorded activities in order; those of different
	// sessions may interleave.
	Entries []RecordedEntry
}

// RecordedEntry is one line of a recording.
type RecordedEntry struct {
	// Time is the time since the session's first entry.
	Time time.Duration
	// Dir is ToBot for what mluvii sent ("in"), FromBot for what the bot sent ("out").
	Dir       Direction
	SessionID int64
	// Name is the activity name.
	Name string
	// Status is the HTTP status: the bot's answer for ToBot, mluvii's for
	// FromBot (0: none, see Err).
	Status int
	Err    string
	// Body is the activity's JSON as recorded.
	Body json.RawMessage
	// Line is the entry's line in the file (1 is the header; 0 when the
	// recording was not read from a file).
	Line int
}

// recLine is a line as the file has it.
type recLine struct {
	T        *float64        `json:"t"`
	Dir      string          `json:"dir"`
	Session  int64           `json:"session"`
	Activity string          `json:"activity"`
	Status   int             `json:"status"`
	Error    string          `json:"error,omitempty"`
	Body     json.RawMessage `json:"body"`
}

// maxRecordingLine bounds one line of a recording (a body of up to 8 MiB,
// escaped).
const maxRecordingLine = 64 << 20

// ReadRecording reads a recording. It checks the header line (format and a
// version it knows) and every line; blank lines are skipped. The error names
// the line at fault.
func ReadRecording(r io.Reader) (*Recording, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxRecordingLine)
	rec := &Recording{}
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if rec.Version == 0 {
			var h struct {
				Format  string `json:"format"`
				Version int    `json:"version"`
			}
			if err := json.Unmarshal(line, &h); err != nil || h.Format != recordingFormat {
				return nil, fmt.Errorf("mluviitest: recording line %d: not a %s header (want {\"format\":%q,\"version\":%d})",
					n, recordingFormat, recordingFormat, recordingVersion)
			}
			if h.Version < 1 || h.Version > recordingVersion {
				return nil, fmt.Errorf("mluviitest: recording line %d: format version %d; this mluviitest reads version %d", n, h.Version, recordingVersion)
			}
			rec.Version = h.Version
			continue
		}
		e, err := parseRecLine(line)
		if err != nil {
			return nil, fmt.Errorf("mluviitest: recording line %d: %w", n, err)
		}
		e.Line = n
		rec.Entries = append(rec.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mluviitest: reading a recording after line %d: %w", n, err)
	}
	if rec.Version == 0 {
		return nil, errors.New("mluviitest: the recording is empty (no header line)")
	}
	return rec, nil
}

func parseRecLine(line []byte) (RecordedEntry, error) {
	var l recLine
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return RecordedEntry{}, err
	}
	e := RecordedEntry{SessionID: l.Session, Name: l.Activity, Status: l.Status, Err: l.Error, Body: l.Body}
	switch l.Dir {
	case "in":
		e.Dir = ToBot
	case "out":
		e.Dir = FromBot
	default:
		return e, fmt.Errorf(`dir is %q, want "in" or "out"`, l.Dir)
	}
	switch {
	case l.T == nil:
		return e, errors.New(`no "t"`)
	case *l.T < 0:
		return e, fmt.Errorf(`"t" is %v, before the session's first entry`, *l.T)
	case l.Session == 0:
		return e, errors.New(`no "session"`)
	case l.Activity == "":
		return e, errors.New(`no "activity"`)
	case len(l.Body) == 0 || l.Body[0] != '{':
		return e, errors.New(`"body" is not a JSON object`)
	}
	e.Time = time.Duration(*l.T * float64(time.Millisecond))
	return e, nil
}

// OpenRecording reads the recording in a file.
func OpenRecording(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mluviitest: %w", err)
	}
	defer f.Close()
	rec, err := ReadRecording(f)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return rec, nil
}

// Sessions returns the ids of the recording's sessions, in order of their
// first entries.
func (rec *Recording) Sessions() []int64 {
	var ids []int64
	seen := map[int64]bool{} // not slices.Contains: n sessions would cost n²
	for _, e := range rec.Entries {
		if !seen[e.SessionID] {
			seen[e.SessionID] = true
			ids = append(ids, e.SessionID)
		}
	}
	return ids
}

// Session returns the entries of one session, in order.
func (rec *Recording) Session(id int64) []RecordedEntry {
	var out []RecordedEntry
	for _, e := range rec.Entries {
		if e.SessionID == id {
			out = append(out, e)
		}
	}
	return out
}

// WriteTo writes the recording as JSON Lines, header first.
func (rec *Recording) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"format":%q,"version":%d}`+"\n", recordingFormat, recordingVersion)
	for _, e := range rec.Entries {
		dir := "in"
		if e.Dir == FromBot {
			dir = "out"
		}
		t := float64(e.Time.Milliseconds())
		body := e.Body
		if !json.Valid(body) {
			body, _ = marshalJSON(string(body))
		}
		line, err := marshalJSON(recLine{T: &t, Dir: dir, Session: e.SessionID, Activity: e.Name,
			Status: e.Status, Error: e.Err, Body: compactJSON(body)})
		if err != nil {
			return 0, fmt.Errorf("mluviitest: writing a recording: %w", err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

func compactJSON(b []byte) json.RawMessage {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}

// Recording returns the session's transcript as a recording: what mluvii
// delivered to the bot (deliveries that failed without an answer from it are
// left out; one in flight is written with status 0) and
// everything the bot sent, with mluvii's answers. Save it with WriteTo, and
// replay it in a test with Replay. mluvii-mock's "Save conversation" is this.
func (se *Session) Recording() *Recording {
	return recordingOf(se.Transcript())
}

func recordingOf(entries []Entry) *Recording {
	rec := &Recording{Version: recordingVersion}
	var start time.Time
	for _, e := range entries {
		// A delivery that failed before the bot answered never reached it; one
		// still in flight (no status, no error) did.
		if e.Name == "" || e.SessionID == 0 || (e.Dir == ToBot && e.Status == 0 && e.Err != "") {
			continue
		}
		if start.IsZero() {
			start = e.Time
		}
		msg := e.Err
		if e.Dir == FromBot && len(e.Problems) > 0 {
			msg = strings.Join(e.Problems, "; ")
		}
		rec.Entries = append(rec.Entries, RecordedEntry{
			Time: max(e.Time.Sub(start), 0), Dir: e.Dir, SessionID: e.SessionID, Name: e.Name,
			Status: e.Status, Err: strings.TrimSpace(msg), Body: json.RawMessage(e.Body),
		})
	}
	return rec
}
