package mluviitest

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Entry is one activity in the transcript, in either direction.
type Entry struct {
	// Seq numbers the server's entries in the order recorded, from 1. The
	// server's transcript keeps its last entries (WithTranscriptLimit) and
	// releases those of released sessions, so it may start above 1 and have gaps.
	Seq  int
	Time time.Time
	Dir  Direction
	// SessionID is the session the activity belongs to (0 for Ping, or a
	// body that names none).
	SessionID int64
	// Name is the activity name ("" when the body names none).
	Name string
	// Body is the JSON exactly as sent. Do not modify it: Activity's strings
	// share its memory (the generated Decode keeps its body).
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

	said    string // what the bot said, for message activities
	isSaid  bool
	dropped bool // released with its session; still in transcript.entries until compacted
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

// transcript holds the server's entries in order of Seq: the last
// WithTranscriptLimit of them, less those of released sessions (marked
// dropped, and compacted away once they are half the slice). Waiters on the
// whole server watch notify, which is closed and replaced on every change.
type transcript struct {
	entries []*Entry
	seq     int // the last Seq given
	dead    int // dropped entries still in entries
	notify  chan struct{}
}

func (t *transcript) init() { t.notify = make(chan struct{}) }

// live is the number of entries the transcript shows.
func (t *transcript) live() int { return len(t.entries) - t.dead }

// from returns the index of the first entry with a Seq of at least seq.
func (t *transcript) from(seq int) int {
	return sort.Search(len(t.entries), func(i int) bool { return t.entries[i].Seq >= seq })
}

// trim drops the oldest entries beyond limit (< 0: none), and compacts the
// dropped ones away once they are half the slice.
func (t *transcript) trim(limit int) {
	if limit >= 0 && t.live() > limit {
		live, i := t.live(), 0
		for ; i < len(t.entries) && (live > limit || t.entries[i].dropped); i++ {
			if t.entries[i].dropped {
				t.dead--
			} else {
				live--
			}
		}
		clear(t.entries[:i])
		t.entries = t.entries[i:]
	}
	if t.dead > 16 && t.dead > len(t.entries)/2 {
		kept := t.entries[:0]
		for _, e := range t.entries {
			if !e.dropped {
				kept = append(kept, e)
			}
		}
		clear(t.entries[len(kept):])
		t.entries, t.dead = kept, 0
	}
}

// drop removes a released session's entries from the transcript.
func (t *transcript) drop(entries []*Entry) {
	if len(t.entries) == 0 {
		return
	}
	first := t.entries[0].Seq
	for _, e := range entries {
		if e.Seq >= first && !e.dropped {
			e.dropped = true
			t.dead++
		}
	}
}

// record appends e to the server's and the session's transcript and wakes
// waiters. An entry of a released session goes only to the session's own
// transcript. Called with s.mu held.
func (s *Server) record(ss *sessionState, e *Entry) *Entry {
	s.log.seq++
	e.Seq = s.log.seq
	if e.Time.IsZero() {
		e.Time = s.clock.Now()
	}
	if ss == nil || !ss.released {
		s.log.entries = append(s.log.entries, e)
		s.log.trim(s.cfg.keepEntries)
	}
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

// Transcript returns every activity so far, both directions, in order: the
// last WithTranscriptLimit, less those of released sessions.
func (s *Server) Transcript() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
	return copyEntries(s.log.entries, kept)
}

// Rejected returns the bot's activities mluvii answered with an error (of
// those in the server's transcript).
func (s *Server) Rejected() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyEntries(s.log.entries, func(e *Entry) bool { return kept(e) && e.Dir == FromBot && e.Status != 200 })
}

// kept reports whether the server's transcript shows e.
func kept(e *Entry) bool { return !e.dropped }

// Warnings returns every warning recorded so far, each prefixed with its entry.
func (s *Server) Warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.log.entries {
		if e.dropped {
			continue
		}
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
