package mluviitest

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// What the fake keeps, and how much it takes on at once. Everything that
// grows with the number of conversations is bounded by one of these:
//
//   - open sessions: WithMaxOpenSessions;
//   - ended sessions (their state, transcript and consumed marks):
//     WithEndedSessionsKept and WithSessionRetention;
//   - the server's transcript (Server.Transcript, Watch): WithTranscriptLimit,
//     and the entries of released sessions leave it with them;
//   - access tokens: expired ones are forgotten, and WithMaxTokens bounds the rest;
//   - requests being handled: WithMaxInFlight;
//   - deliveries to the bot (queued, delayed or in flight): WithMaxDeliveries.
//
// Server.Stats reports the counts.
const (
	DefaultEndedSessionsKept = 1000
	DefaultSessionRetention  = 10 * time.Minute
	DefaultMaxOpenSessions   = 10000
	DefaultTranscriptLimit   = 50000
	DefaultMaxTokens         = 10000
	DefaultMaxInFlight       = 4096
	DefaultMaxDeliveries     = 4096
)

// WithEndedSessionsKept keeps at most the last n ended sessions (default
// DefaultEndedSessionsKept, 1 000); older ended sessions are released: their
// state, their transcript (also in the server's transcript) and the consumed
// marks of the Expect helpers are freed, Server.Session no longer finds
// them, and the bot's activities for them are answered as for an unknown
// session. A Session handle the test holds keeps working. n = 0 releases a
// session as soon as it ends; n < 0 keeps every ended session (no bound).
func WithEndedSessionsKept(n int) Option { return func(c *config) { c.keepEnded = n } }

// WithSessionRetention releases an ended session once it has been ended for
// d on the server's clock (default DefaultSessionRetention, 10 min), even
// when fewer than WithEndedSessionsKept are kept. d <= 0 removes the time
// bound. Releasing is lazy: it happens when sessions start or end, and on
// Stats, Sessions, Transcript and Watch.
func WithSessionRetention(d time.Duration) Option { return func(c *config) { c.retention = d } }

// WithMaxOpenSessions bounds the sessions open (not ended) at once (default
// DefaultMaxOpenSessions, 10 000): StartConversation beyond it returns an
// error wrapping ErrOverloaded and starts nothing. Open sessions are never
// released. n <= 0 removes the bound.
func WithMaxOpenSessions(n int) Option { return func(c *config) { c.maxOpen = n } }

// WithTranscriptLimit keeps the last n entries in the server's transcript
// (Server.Transcript, Rejected, Warnings, Watch; default
// DefaultTranscriptLimit, 50 000). A retained session keeps its own
// entries (Session.Transcript) regardless. Entry.Seq goes on counting, so
// the transcript's first entry then has a Seq above 1. n < 0 keeps every entry.
func WithTranscriptLimit(n int) Option { return func(c *config) { c.keepEntries = n } }

// WithMaxTokens bounds the unexpired access tokens the fake remembers
// (default DefaultMaxTokens, 10 000): issuing one more forgets the oldest,
// whose bearer then gets a 401 as after expiry. Expired tokens are always
// forgotten. n <= 0 removes the bound.
func WithMaxTokens(n int) Option { return func(c *config) { c.maxTokens = n } }

// WithMaxInFlight bounds the requests the fake's endpoints (token, activity,
// callback URL) handle at once (default DefaultMaxInFlight, 4 096). A request
// beyond it is answered at once with 429 Too Many Requests and Retry-After: 1,
// and has no effect; Stats counts it in RefusedRequests. n <= 0 removes the bound.
func WithMaxInFlight(n int) Option { return func(c *config) { c.maxInFlight = n } }

// WithMaxDeliveries bounds the deliveries to the bot pending at once: POSTs
// in flight, responses queued in sessions' outboxes, deliveries held by a
// Delay fault (default DefaultMaxDeliveries, 4 096). Beyond it
// StartConversation, Send (and Text, End, …) and Ping return an error
// wrapping ErrOverloaded without delivering (StartConversation then starts no
// session), and a request of the bot whose response would need a delivery is
// answered 429 with Retry-After: 1 and has no effect. A Duplicate fault may
// exceed the bound by its copies. n <= 0 removes the bound.
func WithMaxDeliveries(n int) Option { return func(c *config) { c.maxDeliveries = n } }

// ErrOverloaded is wrapped by the errors of StartConversation, Send and Ping
// when the fake is at WithMaxDeliveries or WithMaxOpenSessions.
var ErrOverloaded = errors.New("mluviitest: overloaded")

// Stats are counts of what the fake holds and refused.
type Stats struct {
	OpenSessions     int // sessions not ended
	EndedSessions    int // ended sessions still retained
	ReleasedSessions int // ended sessions released so far
	// TranscriptEntries is the number of entries in the server's transcript.
	TranscriptEntries int
	Tokens            int // unexpired access tokens remembered
	InFlightRequests  int // requests the fake's endpoints are handling
	PendingDeliveries int // deliveries to the bot queued, delayed or in flight
	// RefusedRequests counts requests answered 429 (WithMaxInFlight, or
	// WithMaxDeliveries for a request whose response had no room).
	RefusedRequests int
	// RefusedDeliveries counts StartConversation, Send and Ping calls that
	// returned ErrOverloaded.
	RefusedDeliveries int
}

// Stats releases what is due (see WithSessionRetention) and returns the counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
	return Stats{
		OpenSessions: s.open, EndedSessions: len(s.endedQ), ReleasedSessions: s.releasedSessions,
		TranscriptEntries: s.log.live(), Tokens: len(s.tokens),
		InFlightRequests: int(s.inFlight.Load()), PendingDeliveries: s.deliveries,
		RefusedRequests: int(s.refusedRequests.Load()), RefusedDeliveries: s.refusedDeliveries,
	}
}

// end ends the bot's part in a session (once: the first reason stays) and
// queues it for release. Called with s.mu held.
func (s *Server) end(ss *sessionState, how string) {
	if ss.ended {
		return
	}
	ss.ended, ss.endedBy, ss.endedAt = true, how, s.clock.Now()
	ss.prompts = nil // no guest answers them any more
	if s.sessions[ss.id] == ss {
		s.open--
		s.endedQ = append(s.endedQ, ss)
	}
	s.prune()
}

// prune releases the ended sessions beyond WithEndedSessionsKept or older
// than WithSessionRetention, oldest first, and forgets expired tokens.
// Called with s.mu held.
func (s *Server) prune() {
	now := s.clock.Now()
	n := 0
	for _, ss := range s.endedQ {
		over := s.cfg.keepEnded >= 0 && len(s.endedQ)-n > s.cfg.keepEnded
		old := s.cfg.retention > 0 && !now.Before(ss.endedAt.Add(s.cfg.retention))
		if !over && !old {
			break
		}
		s.release(ss)
		n++
	}
	if n > 0 {
		clear(s.endedQ[:n])
		s.endedQ = s.endedQ[n:]
		s.log.trim(s.cfg.keepEntries)
	}
	s.pruneTokens()
}

// release forgets an ended session: it leaves the sessions map and its
// entries the server's transcript. Handles still reach it. Called with s.mu held.
func (s *Server) release(ss *sessionState) {
	if s.sessions[ss.id] == ss {
		delete(s.sessions, ss.id)
	}
	ss.released = true
	s.forgetFiles(ss)
	s.releasedSessions++
	s.log.drop(ss.entries)
}

// limitInFlight answers 429 to requests beyond WithMaxInFlight.
func (s *Server) limitInFlight(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		if s.cfg.maxInFlight > 0 && n > int64(s.cfg.maxInFlight) {
			s.refusedRequests.Add(1)
			tooMany(w, fmt.Sprintf("mluviitest: overloaded: %d requests in flight (WithMaxInFlight %d); retry later", n-1, s.cfg.maxInFlight))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// tooMany answers 429 with Retry-After.
func tooMany(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", "1")
	httpError(w, http.StatusTooManyRequests, msg)
}

// reserve takes n delivery slots, or reports ErrOverloaded when
// WithMaxDeliveries has no room. Called with s.mu held.
func (s *Server) reserve(n int) error {
	if s.cfg.maxDeliveries > 0 && s.deliveries+n > s.cfg.maxDeliveries {
		return fmt.Errorf("%w: %d deliveries to the bot pending (WithMaxDeliveries %d)", ErrOverloaded, s.deliveries, s.cfg.maxDeliveries)
	}
	s.deliveries += n
	return nil
}

// done gives back n delivery slots.
func (s *Server) done(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries -= n
}
