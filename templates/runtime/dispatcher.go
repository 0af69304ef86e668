package mluvii

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Dispatcher is the bot's webhook: an http.Handler for the callback URL that
// acknowledges mluvii at once and runs the handlers registered with its On…
// methods afterwards, on goroutines of their own.
//
// mluvii disables a bot whose webhook fails to answer 200 within 2 s for more
// than 15 minutes, so every request is answered before any handler runs:
//
//   - a request without the callback secret (WithCallbackSecret): 401, at
//     once, without reading the body, and the connection is closed;
//   - GET and HEAD: 200 (health check); other methods but POST: 405;
//   - a body over the limit (WithMaxBodyBytes): 413; a body read too slowly
//     (WithReadTimeout): 408; the connection is closed after either, and
//     after any answer given without reading a body that was sent;
//   - an activity without a session (Ping): 200 at once; it is counted in
//     Stats().Pings and reaches no handler;
//   - a body Decode rejects: queued like an event, then 200, and OnError gets
//     the error and the raw body on a worker;
//   - a response some waiter expects (Waiters, WithResponseWaiter): 200, and
//     the waiter gets it instead of the handlers;
//   - a duplicate (WithDedupe): 200, dropped;
//   - anything else: queued, then 200. When the queue is full (WithQueueSize
//     events or WithQueueBytes bytes) the request waits for room until the
//     ack budget (WithAckBudget), counted from its arrival, is spent, then
//     gets 503; so does every such request once Close has begun. A request
//     that finds room is queued whenever its body finished arriving.
//
// Queued events run on a goroutine per session with events waiting, started
// as they arrive and ended when the session has none left, at most
// WithWorkers at once: the events of one session one after another in
// arrival order, different sessions in parallel. The defaults fit handlers
// that wait seconds on mluvii, a CRM or a language model: a waiting handler
// costs its goroutine's few KB, an idle dispatcher nothing.
// A handler's error or panic goes to OnError as a *HandlerError. No handler
// runs after Close has returned.
//
// Registering handlers is safe at any time, also while serving: a new
// registration applies to every event handled after it returns, including
// events already queued. Taking events off the queue starts with the first
// request (or Start) and stops in Close.
type Dispatcher struct {
	cfg      dispatcherConfig
	log      *slog.Logger
	queue    Queue
	waiters  Waiters
	handlers atomic.Pointer[handlerSet]
	regMu    sync.Mutex // serializes registrations (copy on write)
	dedupe   *dedupe    // nil when off
	sched    sessionScheduler
	stats    dispatchCounters
	seq      atomic.Uint64

	mu           sync.Mutex
	closed       bool
	stopped      bool           // the drain is over: nothing may run any more
	overflow     int            // goroutines running late responses the queue refused
	idle         *sync.Cond     // on mu: signalled when overflow drops
	puts         sync.WaitGroup // requests between the closed check and the end of their Put
	workers      sync.WaitGroup // the loop and the sessions' goroutines
	sessionSlots chan struct{}  // one token per session goroutine: at most cfg.workers
	// runningQueued counts the handlers running for queued events (not the
	// late responses run outside the queue), for Close's account.
	runningQueued atomic.Int64
	// closing is cancelled when Close begins: requests waiting for room
	// stop waiting and get 503.
	closing     context.Context
	stopWaiting context.CancelFunc

	// ctx is the handlers' context; it is cancelled when Close gives up.
	ctx       context.Context
	cancel    context.CancelFunc
	abandoned atomic.Bool // Close gave up: workers take no more events
	startOnce sync.Once
	closeOnce sync.Once
	drained   chan struct{} // closed when the queue is drained and workers are gone
}

// NewDispatcher returns a dispatcher. Register its handlers, then mount it
// on the callback URL's path; call Close before shutting the HTTP server
// down. Without options it accepts every request (see WithCallbackSecret),
// takes bodies up to 8 MiB, queues up to 20 000 events or 64 MiB of bodies,
// runs up to 10 000 handlers at once and answers 503 after waiting 1 s for
// room in a full queue; the Default… constants and the With… options say
// more.
func NewDispatcher(opts ...DispatcherOption) *Dispatcher {
	cfg := defaultDispatcherConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	d := &Dispatcher{cfg: cfg, log: cfg.log, queue: cfg.queue, drained: make(chan struct{}),
		sessionSlots: make(chan struct{}, cfg.workers)}
	d.idle = sync.NewCond(&d.mu)
	if d.queue == nil {
		d.queue = NewMemoryQueueBytes(cfg.queueSize, cfg.queueBytes)
	}
	if cfg.dedupe > 0 {
		d.dedupe = newDedupe(cfg.dedupe)
	}
	if cfg.secretSet && len(cfg.secrets) == 0 {
		d.log.Error("mluvii dispatcher: the callback secret is empty; every request will be refused")
	}
	d.handlers.Store(&handlerSet{byName: map[string]handlerFunc{}})
	d.waiters.setLate(d.lateResponse)
	if cfg.registry != nil {
		d.waiters.setRegistry(cfg.registry)
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.closing, d.stopWaiting = context.WithCancel(context.Background())
	return d
}

// Start starts taking events off the queue; it is safe to call more than
// once. The first request and Close start it too, so call Start only to have
// events that a durable queue (WithQueue) kept from an earlier run handled
// before the first request arrives. Register the handlers before.
func (d *Dispatcher) Start() {
	d.startOnce.Do(func() {
		d.workers.Add(1)
		go d.loop()
	})
}

// Waiters returns the registry the dispatcher offers every response to before
// queueing it. The client's …AndWait methods register there.
func (d *Dispatcher) Waiters() *Waiters { return &d.waiters }

// ServeHTTP implements http.Handler; see Dispatcher for what it answers.
func (d *Dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	d.Start()
	if !d.authorized(r) {
		d.stats.unauthorized.Add(1)
		d.log.Warn("mluvii dispatcher: unauthorized request", "path", r.URL.Path, "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Basic realm="mluvii callback"`)
		answerUnread(w, r, http.StatusUnauthorized, true)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		answerUnread(w, r, http.StatusOK, false)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		answerUnread(w, r, http.StatusMethodNotAllowed, false)
		return
	}
	body, status := d.readBody(w, r)
	if status == 0 {
		status = d.accept(r.Context(), start, body)
	}
	if status == http.StatusOK {
		d.stats.acked.Add(1)
	}
	w.WriteHeader(status)
}

// accept routes a body that was read completely and answers its status.
func (d *Dispatcher) accept(ctx context.Context, start time.Time, body []byte) int {
	// The body is not modified after this: the activity shares its memory
	// instead of holding a copy. It lives only for routing: the queue holds
	// the body, decoded again when its handler's turn comes, so a waiting
	// event costs its body's bytes and no more (WithQueueBytes).
	a, err := decodeString(unsafe.String(unsafe.SliceData(body), len(body)), body)
	if err != nil {
		d.stats.decodeErrors.Add(1)
		// OnError runs on a worker like any handler, so a slow one cannot
		// delay this answer. The body takes its place in the queue like any
		// event: a 200 promises that OnError will see it, so when the queue
		// cannot take it mluvii gets the same 503 as for any other event.
		if err := d.enqueue(ctx, start, QueuedEvent{Body: body, Received: start}); err != nil {
			d.refused(err)
			d.log.Warn("mluvii dispatcher: undecodable body refused", "bytes", len(body), "err", err)
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	if _, unknown := a.(*Unknown); !unknown && a.Session() == 0 {
		d.stats.pings.Add(1)
		return http.StatusOK
	}
	if rec := d.cfg.recorder.receivedActivity(start, a, body); rec != nil { // nil unless recording (record.go)
		return d.routeRecorded(ctx, start, a, body, rec)
	}
	return d.route(ctx, start, a, body)
}

// routeRecorded is route with the recorder's line completed by its status,
// in a defer: a line left open would hold its session's later lines.
func (d *Dispatcher) routeRecorded(ctx context.Context, start time.Time, a Activity, body []byte, rec *recEntry) (status int) {
	defer func() { rec.complete(status, nil) }()
	return d.route(ctx, start, a, body)
}

// route hands a decoded activity with a session to a waiter, the dedupe or
// the queue, and answers its status.
func (d *Dispatcher) route(ctx context.Context, start time.Time, a Activity, body []byte) int {
	// Waiters come before dedupe: asking twice may get the same answer twice.
	if d.offer(a) {
		d.stats.toWaiters.Add(1)
		return http.StatusOK
	}
	var key dedupeKey
	if d.dedupe != nil {
		key = dedupeKeyOf(a.Session(), body)
		if !d.dedupe.reserve(key, start) {
			d.stats.duplicates.Add(1)
			return http.StatusOK
		}
	}
	ev := QueuedEvent{SessionID: a.Session(), Name: a.ActivityName(), Body: body, Received: start}
	if err := d.enqueue(ctx, start, ev); err != nil {
		if d.dedupe != nil {
			d.dedupe.release(key, start) // mluvii may send it again
		}
		d.refused(err)
		d.log.Warn("mluvii dispatcher: event refused", "activity", ev.Name, "session", ev.SessionID, "err", err)
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// offer gives a response activity to the waiters; it reports whether one took it.
func (d *Dispatcher) offer(a Activity) bool {
	if !isResponse(a) {
		return false
	}
	if d.waiters.Offer(a) {
		return true
	}
	for _, w := range d.cfg.waiters {
		if w.Offer(a) {
			return true
		}
	}
	return false
}

// isResponse reports whether the spec gives a the response role.
func isResponse(a Activity) bool {
	info, ok := LookupActivity(a.ActivityName())
	return ok && info.Role == RoleResponse
}

var errClosing = errors.New("mluvii: dispatcher is closing")

// ErrCloseGaveUp is wrapped by the error of every Close after one whose ctx
// ended before the dispatcher was drained.
var ErrCloseGaveUp = errors.New("an earlier Close gave up before every acked event was handled")

// enqueue puts ev on the queue, waiting for room until the ack budget (counted
// from start) is spent, the client goes away, or Close begins.
func (d *Dispatcher) enqueue(ctx context.Context, start time.Time, ev QueuedEvent) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return errClosing
	}
	d.puts.Add(1)
	d.mu.Unlock()
	defer d.puts.Done()
	ctx, cancel := context.WithDeadline(ctx, start.Add(d.cfg.ackBudget))
	defer cancel()
	defer context.AfterFunc(d.closing, cancel)()
	ev.ID = d.seq.Add(1)
	if err := d.queue.Put(ctx, ev); err != nil {
		return err
	}
	d.stats.enqueued.Add(1)
	return nil
}

// refused counts an event the queue did not take, by the reason.
func (d *Dispatcher) refused(err error) {
	d.stats.rejected.Add(1)
	switch {
	case d.closing.Err() != nil, errors.Is(err, errClosing), errors.Is(err, ErrQueueClosed):
		d.stats.rejectedClosing.Add(1)
	case errors.Is(err, ErrQueueBytesFull):
		d.stats.rejectedBytes.Add(1)
	case errors.Is(err, ErrQueueFull):
		d.stats.rejectedFull.Add(1)
	}
}

// lateResponse handles a response that reached a waiter which stopped waiting
// before reading it, so its handler still sees it. The response was acked, so
// it is not refused: when the queue has no room at once (or Close has begun)
// it runs outside the queue, still in its session's turn, and before Close
// returns. Only a response that comes back after Close returned is dropped,
// and counted in Stats().Dropped.
func (d *Dispatcher) lateResponse(a Activity) {
	d.stats.lateResponses.Add(1)
	now := time.Now()
	ev := QueuedEvent{SessionID: a.Session(), Name: a.ActivityName(), Body: a.RawJSON(), Received: now}
	// The caller is often a handler on a worker: do not wait for room. Once
	// queued, the event holds its body alone, like any other.
	if d.enqueue(d.ctx, now.Add(-d.cfg.ackBudget), ev) == nil {
		return
	}
	ev.Activity = a
	d.mu.Lock()
	if d.stopped || d.abandoned.Load() {
		d.mu.Unlock()
		d.stats.dropped.Add(1)
		d.log.Warn("mluvii dispatcher: late response after Close, not handled", "activity", ev.Name, "session", ev.SessionID)
		return
	}
	d.overflow++
	d.mu.Unlock()
	ev.outside = true
	if !d.sched.claim(ev) {
		// Its session's worker runs it next (the caller may be that worker).
		d.overflowDone()
		return
	}
	go func() {
		defer d.overflowDone()
		d.runSession(ev)
	}()
}

// overflowDone ends the run of a late response outside the queue.
func (d *Dispatcher) overflowDone() {
	d.mu.Lock()
	d.overflow--
	d.idle.Broadcast()
	d.mu.Unlock()
}

// Close stops accepting events (new requests get 503), waits until every
// queued event has been handled and the running handlers have returned, and
// closes the queue. When ctx ends first, Close cancels the handlers' context,
// lets the workers stop after their current event, and returns an error that
// says how many acked events were not handled (a durable queue still holds
// them). Close may be called more than once: once one gave up, every later
// call waits (within its ctx) for the handlers still running and returns
// that error again, with the counts as they are then.
//
// Responses a waiter expects are still taken while Close drains, so that
// handlers blocked in …AndWait calls can finish: shut the HTTP server down
// after Close returns, not before.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.Start() // so that a durable queue's events are drained too
	d.closeOnce.Do(func() {
		d.mu.Lock()
		d.closed = true
		d.mu.Unlock()
		d.stopWaiting()
		go func() {
			d.puts.Wait() // at most the ack budget
			if err := d.queue.Close(); err != nil {
				d.log.Error("mluvii dispatcher: closing the queue", "err", err)
			}
			d.workers.Wait()
			d.mu.Lock()
			for d.overflow > 0 {
				d.idle.Wait()
			}
			d.stopped = true
			d.mu.Unlock()
			if d.dedupe != nil {
				d.dedupe.stop()
			}
			if d.cfg.sessions != nil {
				d.cfg.sessions.stop()
			}
			close(d.drained)
		}()
	})
	select {
	case <-d.drained:
	case <-ctx.Done():
		// Both may be ready (a second Close with an expired ctx): select
		// picks at random, and a drained dispatcher has nothing to give up.
		select {
		case <-d.drained:
		default:
			d.mu.Lock() // see begin: no handler starts after this
			first := !d.abandoned.Swap(true)
			d.mu.Unlock()
			if first {
				d.cancel()
			}
		}
	}
	if !d.abandoned.Load() {
		return nil
	}
	running := int(d.stats.running.Load())
	waiting := max(d.queue.Len()-int(d.runningQueued.Load()), 0)
	err := ctx.Err()
	if err == nil {
		err = ErrCloseGaveUp
	}
	return fmt.Errorf("mluvii: dispatcher closed with %d acked events not handled and %d handlers still running: %w", waiting, running, err)
}
