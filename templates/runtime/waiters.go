package mluvii

import (
	"errors"
	"sync"
)

// ErrInFlight is returned by Waiters.Register when a waiter for the same
// session and response name is already registered. mluvii's responses carry no
// correlation id, only the session and the response's name, so two such
// requests in flight could not be told apart.
var ErrInFlight = errors.New("mluvii: a request awaiting the same response is already in flight for this session")

// A ResponseWaiter gets the first chance at every response activity the
// dispatcher receives, before the queue and the handlers. Offer reports
// whether it took the activity; it must not block.
type ResponseWaiter interface {
	Offer(a Activity) bool
}

// Waiters pairs response activities arriving at the webhook with the requests
// waiting for them, keyed by session id and response name (mluvii has no
// other correlation). Every Dispatcher has one (Dispatcher.Waiters) and offers
// it each response first; the client's …AndWait methods register there.
//
// The zero value is ready to use. Waiters is safe for concurrent use and
// starts no goroutines.
type Waiters struct {
	mu      sync.Mutex
	waiting map[waiterKey]*waiter
	// late receives a response that was delivered to a waiter which then
	// gave up without reading it, so that it reaches the handlers after all
	// (set by the owning Dispatcher; nil drops it).
	late func(Activity)
	// reg extends registrations beyond the process (WithWaiterRegistry).
	reg WaiterRegistry
}

// A WaiterRegistry makes a Waiters' registrations known beyond its process,
// for bots run as several replicas behind a load balancer: mluvii may deliver
// the response to any replica, and two replicas must not wait for the same
// session's response at once. Give it to the dispatcher with
// WithWaiterRegistry; package mluviinats has one on NATS.
type WaiterRegistry interface {
	// Reserve is called by Register, after the local registration and
	// before Register returns. It claims the session's response
	// everywhere, failing with an error wrapping ErrInFlight when another
	// process holds the claim, and arranges that a response arriving
	// elsewhere is passed to offer (from any goroutine), which reports
	// whether the local waiter took it. release ends the claim; it is
	// called once, after the local registration was withdrawn.
	Reserve(sessionID int64, responseName string, offer func(Activity) bool) (release func(), err error)
}

type waiterKey struct {
	session int64
	name    string
}

type waiter struct {
	ch chan Activity // buffer 1; Offer is the only sender, at most once
}

// Register announces that sessionID expects the response named responseName
// (its wire name, as ActivityName returns it, e.g. the Activity…Response
// constant). Register before sending the request so a fast answer is not
// missed.
//
// The channel receives the response at most once. cancel withdraws the
// registration and must be called when the caller stops waiting (defer it);
// calling it more than once is harmless. If the response arrived but was not
// received from the channel, cancel hands it to the owning dispatcher's
// handlers, so a late response is not lost (queueing it may then wait up to
// the dispatcher's ack budget when its queue is full). Call cancel from the
// goroutine that receives from the channel.
//
// A second registration for the same session and name while the first is
// registered fails with ErrInFlight. With a WaiterRegistry (the dispatcher's
// WithWaiterRegistry) that holds across processes, and Register returns the
// registry's error, after a round trip to it.
func (w *Waiters) Register(sessionID int64, responseName string) (<-chan Activity, func(), error) {
	k := waiterKey{sessionID, responseName}
	wt := &waiter{ch: make(chan Activity, 1)}
	w.mu.Lock()
	if _, busy := w.waiting[k]; busy {
		w.mu.Unlock()
		return nil, func() {}, ErrInFlight
	}
	if w.waiting == nil {
		w.waiting = make(map[waiterKey]*waiter)
	}
	w.waiting[k] = wt
	reg := w.reg
	w.mu.Unlock()
	unreserve := func() {}
	if reg != nil {
		var err error
		if unreserve, err = reg.Reserve(sessionID, responseName, w.Offer); err != nil {
			w.release(k, wt) // a response that came meanwhile goes to the handlers
			return nil, func() {}, err
		}
	}
	var once sync.Once
	return wt.ch, func() {
		once.Do(func() {
			w.release(k, wt)
			unreserve()
		})
	}, nil
}

// release withdraws wt; if Offer already took it, an unread response goes to
// the late hook.
func (w *Waiters) release(k waiterKey, wt *waiter) {
	w.mu.Lock()
	if w.waiting[k] == wt {
		delete(w.waiting, k)
		w.mu.Unlock()
		return
	}
	late := w.late
	w.mu.Unlock()
	select {
	case a := <-wt.ch:
		if late != nil {
			late(a)
		}
	default: // the caller received it
	}
}

// Offer delivers a to the waiter registered for its session and name, removing
// that registration, and reports whether there was one. It never blocks.
func (w *Waiters) Offer(a Activity) bool {
	if a == nil {
		return false
	}
	k := waiterKey{a.Session(), a.ActivityName()}
	w.mu.Lock()
	defer w.mu.Unlock()
	wt, ok := w.waiting[k]
	if ok {
		delete(w.waiting, k)
		// Sent under the lock, so release never finds the waiter gone and
		// its channel still empty. Never blocks: room for one, and only this
		// Offer can reach wt.
		wt.ch <- a
	}
	return ok
}

// Len reports how many waiters are registered.
func (w *Waiters) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.waiting)
}

// setRegistry installs the registry Register reserves with.
func (w *Waiters) setRegistry(r WaiterRegistry) {
	w.mu.Lock()
	w.reg = r
	w.mu.Unlock()
}

// setLate installs the hook for responses whose waiter gave up after they
// arrived.
func (w *Waiters) setLate(f func(Activity)) {
	w.mu.Lock()
	w.late = f
	w.mu.Unlock()
}
