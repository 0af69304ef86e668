package mluvii

import (
	"bytes"
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults of a SessionState.
const (
	// DefaultSessionTTL is how long a session's state outlives its last
	// event. mluvii sends ConversationEnded only to bots that opted in, so
	// the timeout is what frees most sessions.
	DefaultSessionTTL = 30 * time.Minute
	// DefaultMaxSessions bounds the sessions kept in memory.
	DefaultMaxSessions = 100_000
)

// EndReason says why a session's state was dropped.
type EndReason int

const (
	// SessionEnded means an activity after which mluvii sends nothing more
	// for the session arrived (ConversationEnded), and its handler returned.
	SessionEnded EndReason = iota + 1
	// SessionExpired means no event came for the session's TTL.
	SessionExpired
	// SessionEvicted means MaxSessions was reached and this session had
	// waited longest since its last event.
	SessionEvicted
)

// String returns "ended", "expired" or "evicted".
func (r EndReason) String() string {
	switch r {
	case SessionEnded:
		return "ended"
	case SessionExpired:
		return "expired"
	case SessionEvicted:
		return "evicted"
	}
	return fmt.Sprintf("EndReason(%d)", int(r))
}

// A SessionStore keeps session state outside the process, for bots run as
// several replicas (package mluviinats has one on NATS key-value), as JSON.
// Load returns nil, nil for a session it has no state for. The dispatcher
// runs one event of a session at a time, across replicas too with
// mluviinats, so a handler's Load and the Save after it never race another
// handler of the session. The store's own expiry replaces the idle TTL.
type SessionStore interface {
	Load(ctx context.Context, sessionID int64) ([]byte, error)
	Save(ctx context.Context, sessionID int64, state []byte) error
	Delete(ctx context.Context, sessionID int64) error
}

// SessionOption configures a SessionState.
type SessionOption func(*sessionConfig)

type sessionConfig struct {
	ttl   time.Duration
	max   int
	store SessionStore
}

// WithSessionTTL sets how long a session's state outlives its last event
// (default 30 minutes).
func WithSessionTTL(d time.Duration) SessionOption {
	return func(c *sessionConfig) {
		if d > 0 {
			c.ttl = d
		}
	}
}

// WithMaxSessions bounds the sessions kept in memory (default 100 000): a new
// session beyond it evicts the one idle longest.
func WithMaxSessions(n int) SessionOption {
	return func(c *sessionConfig) {
		if n > 0 {
			c.max = n
		}
	}
}

// WithSessionStore keeps the state in store, as JSON, instead of memory: each
// handler that asks for the state loads it, and it is saved when the handler
// returns. The TTL and MaxSessions are then the store's business, and the
// OnEnd hook runs only for SessionEnded.
func WithSessionStore(store SessionStore) SessionOption {
	return func(c *sessionConfig) { c.store = store }
}

// ErrNoSession is returned by SessionState.Get outside a handler of a
// dispatcher the state was given to (WithSessionState), or for an activity
// without a session id.
var ErrNoSession = errors.New("mluvii: no session in this context (call Get from a handler of a dispatcher made WithSessionState)")

// SessionState keeps a value of type S per session for the handlers of a
// Dispatcher: the step of a flow, what the guest typed so far. Give it to the
// dispatcher with WithSessionState; a handler gets its session's value with
// Get(ctx), created (the zero S) on the session's first use.
//
// The dispatcher runs a session's events one at a time, so a handler may
// read and change *S without locking, as long as it does not hand it to
// goroutines that outlive the handler. The state is dropped after the
// handler of an activity that ends the session (ConversationEnded, as the
// spec marks it) returns, after the session's TTL without events, or when
// MaxSessions is reached (the session idle longest); OnEnd is told.
type SessionState[S any] struct {
	cfg   sessionConfig
	ends  map[string]bool // the activities that end a session
	mu    sync.Mutex
	byID  map[int64]*list.Element
	lru   list.List // of *sessionEntry[S], most recently used first
	timer *time.Timer
	// stopped: the dispatcher closed; nothing expires any more.
	stopped  bool
	released *sync.Cond // on mu, made by idle
	onEnd    func(sessionID int64, state *S, reason EndReason)
}

type sessionEntry[S any] struct {
	id       int64
	state    S
	lastUsed time.Time
	inUse    int // handlers running with it: never expired or evicted meanwhile
}

// NewSessionState returns an empty SessionState.
func NewSessionState[S any](opts ...SessionOption) *SessionState[S] {
	st := &SessionState[S]{cfg: sessionConfig{ttl: DefaultSessionTTL, max: DefaultMaxSessions}, ends: map[string]bool{}, byID: map[int64]*list.Element{}}
	for _, o := range opts {
		o(&st.cfg)
	}
	for _, a := range Activities() {
		if a.EndsSession {
			st.ends[a.Name] = true
		}
	}
	return st
}

// OnEnd sets a hook called when a session's state is dropped, with the state
// (nil with a SessionStore, which holds it), outside any handler. It runs on
// the goroutine that dropped it: keep it short.
func (st *SessionState[S]) OnEnd(fn func(sessionID int64, state *S, reason EndReason)) {
	st.mu.Lock()
	st.onEnd = fn
	st.mu.Unlock()
}

// Len returns the number of sessions kept in memory.
func (st *SessionState[S]) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID)
}

// Peek returns a copy of a session's state kept in memory, for tests and
// admin pages; false when there is none. When a handler of the session is
// using the state, Peek waits for it to return.
func (st *SessionState[S]) Peek(sessionID int64) (S, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for {
		el, ok := st.byID[sessionID]
		if !ok {
			var zero S
			return zero, false
		}
		if e := el.Value.(*sessionEntry[S]); e.inUse == 0 {
			return e.state, true
		}
		st.idle().Wait()
	}
}

// idle returns the condition signalled when a handler releases a state.
func (st *SessionState[S]) idle() *sync.Cond {
	if st.released == nil {
		st.released = sync.NewCond(&st.mu)
	}
	return st.released
}

// Get returns the state of the session whose event the handler with ctx is
// handling, creating it on first use. With a SessionStore it is loaded from
// the store (once per handler) and saved after the handler returns.
func (st *SessionState[S]) Get(ctx context.Context) (*S, error) {
	sc, _ := ctx.Value(sessionScopeKey{}).(*sessionScope)
	if sc == nil || sc.owner != st {
		return nil, ErrNoSession
	}
	if sc.value != nil {
		return sc.value.(*S), nil
	}
	if st.cfg.store == nil {
		v := st.use(sc.id)
		sc.value, sc.inMemory = v, true
		return v, nil
	}
	data, err := st.cfg.store.Load(ctx, sc.id)
	if err != nil {
		return nil, fmt.Errorf("mluvii: loading the state of session %d: %w", sc.id, err)
	}
	v := new(S)
	if len(data) > 0 {
		if err := json.Unmarshal(data, v); err != nil {
			return nil, fmt.Errorf("mluvii: the stored state of session %d: %w", sc.id, err)
		}
	}
	sc.value, sc.loaded = v, data
	return v, nil
}

// use returns the in-memory state of a session, creating it, and marks it
// in use until release.
func (st *SessionState[S]) use(id int64) *S {
	st.mu.Lock()
	var e *sessionEntry[S]
	var evicted []*sessionEntry[S]
	if el, ok := st.byID[id]; ok {
		e = el.Value.(*sessionEntry[S])
		st.lru.MoveToFront(el)
	} else {
		e = &sessionEntry[S]{id: id}
		st.byID[id] = st.lru.PushFront(e)
		evicted = st.evictLocked()
	}
	e.inUse++
	e.lastUsed = time.Now()
	st.armLocked()
	st.mu.Unlock()
	st.ended(evicted, SessionEvicted)
	return &e.state
}

// evictLocked removes the sessions idle longest while there are more than
// MaxSessions, skipping those in use, and returns them.
func (st *SessionState[S]) evictLocked() []*sessionEntry[S] {
	var out []*sessionEntry[S]
	for el := st.lru.Back(); el != nil && len(st.byID) > st.cfg.max; {
		prev := el.Prev()
		if e := el.Value.(*sessionEntry[S]); e.inUse == 0 {
			out = append(out, st.removeLocked(el))
		}
		el = prev
	}
	return out
}

func (st *SessionState[S]) removeLocked(el *list.Element) *sessionEntry[S] {
	e := el.Value.(*sessionEntry[S])
	st.lru.Remove(el)
	delete(st.byID, e.id)
	return e
}

// ended calls OnEnd for entries removed; the caller does not hold mu.
func (st *SessionState[S]) ended(entries []*sessionEntry[S], reason EndReason) {
	if len(entries) == 0 {
		return
	}
	st.mu.Lock()
	fn := st.onEnd
	st.mu.Unlock()
	if fn == nil {
		return
	}
	for _, e := range entries {
		fn(e.id, &e.state, reason)
	}
}

// armLocked makes sure a timer fires when the session idle longest expires.
func (st *SessionState[S]) armLocked() {
	if st.timer == nil && st.lru.Len() > 0 && !st.stopped {
		st.timer = time.AfterFunc(st.cfg.ttl, st.expire)
	}
}

// expire drops the sessions idle for the TTL and re-arms the timer for the
// next one; sessions in use wait until their handler returns.
func (st *SessionState[S]) expire() {
	st.mu.Lock()
	st.timer = nil
	now := time.Now()
	var next time.Duration
	var expired []*sessionEntry[S]
	for el := st.lru.Back(); el != nil; {
		prev := el.Prev()
		e := el.Value.(*sessionEntry[S])
		if idle := now.Sub(e.lastUsed); idle < st.cfg.ttl {
			next = st.cfg.ttl - idle
			break
		}
		if e.inUse == 0 {
			expired = append(expired, st.removeLocked(el))
		}
		el = prev
	}
	if st.lru.Len() > 0 && !st.stopped {
		st.timer = time.AfterFunc(max(next, st.cfg.ttl/100, time.Millisecond), st.expire)
	}
	st.mu.Unlock()
	st.ended(expired, SessionExpired)
}

// sessionScope is what a handler's context carries: the session and the
// state Get returned during this handler.
type sessionScope struct {
	owner    any // the *SessionState the dispatcher was given
	id       int64
	value    any // *S, once Get was called
	inMemory bool
	loaded   []byte // what the store returned, to skip saving it unchanged
}

type sessionScopeKey struct{}

// sessionHook is what the dispatcher needs of a SessionState, whatever S.
type sessionHook interface {
	scope(ctx context.Context, sessionID int64) (context.Context, *sessionScope)
	finish(ctx context.Context, sc *sessionScope, activity string) error
	stop()
}

func (st *SessionState[S]) scope(ctx context.Context, id int64) (context.Context, *sessionScope) {
	sc := &sessionScope{owner: st, id: id}
	return context.WithValue(ctx, sessionScopeKey{}, sc), sc
}

// finish runs after a handler: it releases or saves the state the handler
// used, and drops the session's state when activity ends the session.
func (st *SessionState[S]) finish(ctx context.Context, sc *sessionScope, activity string) error {
	ended := st.ends[activity]
	if st.cfg.store != nil {
		if ended {
			err := st.cfg.store.Delete(ctx, sc.id)
			st.mu.Lock()
			fn := st.onEnd
			st.mu.Unlock()
			if fn != nil {
				fn(sc.id, nil, SessionEnded)
			}
			if err != nil {
				return fmt.Errorf("mluvii: deleting the state of session %d: %w", sc.id, err)
			}
			return nil
		}
		if sc.value == nil {
			return nil
		}
		data, err := json.Marshal(sc.value)
		if err != nil {
			return fmt.Errorf("mluvii: saving the state of session %d: %w", sc.id, err)
		}
		if bytes.Equal(data, sc.loaded) {
			return nil
		}
		if err := st.cfg.store.Save(ctx, sc.id, data); err != nil {
			return fmt.Errorf("mluvii: saving the state of session %d: %w", sc.id, err)
		}
		return nil
	}
	st.mu.Lock()
	el, ok := st.byID[sc.id]
	if !ok {
		st.mu.Unlock()
		return nil
	}
	e := el.Value.(*sessionEntry[S])
	if sc.inMemory {
		e.inUse--
		e.lastUsed = time.Now()
		st.lru.MoveToFront(el) // expire walks from the back, oldest first
		st.idle().Broadcast()
	}
	var gone []*sessionEntry[S]
	if ended && e.inUse == 0 {
		gone = append(gone, st.removeLocked(el))
	}
	st.mu.Unlock()
	st.ended(gone, SessionEnded)
	return nil
}

// stop ends the expiry timer (the dispatcher's Close). The states stay, and
// Peek still sees them.
func (st *SessionState[S]) stop() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.timer != nil {
		st.timer.Stop()
	}
	st.timer = nil
	st.stopped = true
}
