package mluviitest

import (
	"fmt"
	"strings"
	"time"
)

// Entry is one activity in the transcript, in either direction.
type Entry struct {
	// Seq is the entry's 1-based position in the server's transcript.
	Seq  int
	Time time.Time
	Dir  Direction
	// SessionID is the session the activity belongs to (0 for Ping, or a
	// body that names none).
	SessionID int64
	// Name is the activity name ("" when the body names none).
	Name string
	// Body is the JSON exactly as sent.
	Body []byte
	// Activity is Body decoded by the generated package; nil when it does not decode.
	Activity Activity
	// Status is the HTTP status: for FromBot what mluvii answered, for ToBot
	// what the bot answered (0: no answer).
	Status int
	// Problems says why mluvii rejected a FromBot activity.
	Problems []string
	// Warnings lists what mluvii let pass: lenient forms, unverified channel cells.
	Warnings []string
	// Err says why a ToBot delivery failed.
	Err string
	// Note records an injected fault.
	Note string

	said   string // what the bot said, for message activities
	isSaid bool
}

// Accepted reports whether mluvii took a FromBot activity (answered 200).
func (e Entry) Accepted() bool { return e.Dir == FromBot && e.Status == 200 }

// String renders the entry on one line (plus a line per problem or warning).
func (e Entry) String() string {
	var b strings.Builder
	name := e.Name
	if name == "" {
		name = "(no activity)"
	}
	fmt.Fprintf(&b, "#%d %s %s %s", e.Seq, e.Time.Format("15:04:05.000"), e.Dir, name)
	if e.SessionID != 0 {
		fmt.Fprintf(&b, " session=%d", e.SessionID)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " status=%d", e.Status)
	}
	if e.Note != "" {
		fmt.Fprintf(&b, " [%s]", e.Note)
	}
	fmt.Fprintf(&b, " %s", clip(string(e.Body), 240))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n    problem: %s", p)
	}
	for _, w := range e.Warnings {
		fmt.Fprintf(&b, "\n    warning: %s", w)
	}
	if e.Err != "" {
		fmt.Fprintf(&b, "\n    error: %s", e.Err)
	}
	return b.String()
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// transcript holds every entry in order; waiters on the whole server watch
// notify, which is closed and replaced on every change.
type transcript struct {
	entries []*Entry
	notify  chan struct{}
}

func (t *transcript) init() { t.notify = make(chan struct{}) }

// record appends e to the server's and the session's transcript and wakes
// waiters. Called with s.mu held.
func (s *Server) record(ss *sessionState, e *Entry) *Entry {
	e.Seq = len(s.log.entries) + 1
	if e.Time.IsZero() {
		e.Time = s.clock.Now()
	}
	s.log.entries = append(s.log.entries, e)
	if ss != nil {
		e.SessionID = ss.id
		ss.entries = append(ss.entries, e)
	}
	s.changed(ss)
	return e
}

// changed wakes the waiters of the server and of ss. Called with s.mu held.
func (s *Server) changed(ss *sessionState) {
	close(s.log.notify)
	s.log.notify = make(chan struct{})
	if ss != nil {
		close(ss.notify)
		ss.notify = make(chan struct{})
	}
}

// Transcript returns every activity so far, both directions, in order.
func (s *Server) Transcript() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyEntries(s.log.entries, nil)
}

// Rejected returns the bot's activities mluvii answered with an error.
func (s *Server) Rejected() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyEntries(s.log.entries, func(e *Entry) bool { return e.Dir == FromBot && e.Status != 200 })
}

// Warnings returns every warning recorded so far, each prefixed with its entry.
func (s *Server) Warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.log.entries {
		for _, w := range e.Warnings {
			out = append(out, fmt.Sprintf("#%d %s: %s", e.Seq, e.Name, w))
		}
	}
	return out
}

// Dump renders the whole transcript, one entry per line.
func (s *Server) Dump() string { return dump(s.Transcript()) }

func dump(entries []Entry) string {
	if len(entries) == 0 {
		return "  (empty)"
	}
	var b strings.Builder
	for _, e := range entries {
		b.WriteString("  ")
		b.WriteString(strings.ReplaceAll(e.String(), "\n", "\n  "))
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

func copyEntries(entries []*Entry, keep func(*Entry) bool) []Entry {
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if keep == nil || keep(e) {
			out = append(out, *e)
		}
	}
	return out
}

// AssertNoRejections fails the test when mluvii rejected any of the bot's
// activities, listing them.
func (s *Server) AssertNoRejections() {
	s.tb.Helper()
	if rej := s.Rejected(); len(rej) > 0 {
		s.tb.Errorf("mluviitest: mluvii rejected %d of the bot's activities:\n%s", len(rej), dump(rej))
	}
}

// AssertNoWarnings fails the test when mluvii let anything pass only
// leniently (or on an unverified channel cell), listing it.
func (s *Server) AssertNoWarnings() {
	s.tb.Helper()
	if ws := s.Warnings(); len(ws) > 0 {
		s.tb.Errorf("mluviitest: %d warnings:\n  %s", len(ws), strings.Join(ws, "\n  "))
	}
}
