package mluviitest

import (
	"net/http"
	"testing"
)

// NewStandalone returns a fake mluvii that belongs to no test, for running it
// as a program (cmd/mluvii-mock runs the same fake as NewServer, on a server
// of its own). It does not listen: serve Handler at baseURL, the address the
// bot and the fake's own answers use (such as the file URL of an upload
// prompt), and call Close when done.
//
// logf, when not nil, gets what NewServer would log to the test, such as
// failed deliveries. The helpers that fail a test (Expect…, Assert…) panic
// on such a server; use the Wait… methods and the transcript instead.
func NewStandalone(baseURL string, logf func(format string, args ...any), opts ...Option) *Server {
	s := newServer(logTB{logf: logf}, opts...)
	// newServer made an httptest server that will never run; free its port.
	_ = s.ts.Listener.Close()
	s.URL = baseURL
	return s
}

// Handler returns the fake's HTTP endpoints: the token endpoint, the activity
// endpoint and the callback-URL endpoint, under the paths mluvii has them.
func (s *Server) Handler() http.Handler { return s.ts.Config.Handler }

// Watch returns the server transcript's entries whose Seq is from or more
// (everything when from < 1) and a channel that is closed at the
// transcript's next change: a new entry, or the outcome of a delivery to the
// bot (its Status or Err) recorded in an entry that was pending. Entries
// whose delivery is pending have Dir ToBot, Status 0 and no Err. The
// transcript keeps its last entries and releases those of released sessions
// (WithTranscriptLimit, WithEndedSessionsKept): a Seq missing from the
// answer is gone, even one that was pending.
func (s *Server) Watch(from int) ([]Entry, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
	var out []Entry
	if i := s.log.from(from); i < len(s.log.entries) {
		out = copyEntries(s.log.entries[i:], kept)
	}
	return out, s.log.notify
}

// logTB stands in for a testing.TB when the server runs outside a test.
type logTB struct {
	panicTB
	logf func(format string, args ...any)
}

// Logf passes the server's log on.
func (l logTB) Logf(format string, args ...any) {
	if l.logf != nil {
		l.logf(format, args...)
	}
}

var _ testing.TB = logTB{}
