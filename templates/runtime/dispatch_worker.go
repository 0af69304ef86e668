package mluvii

import (
	"bytes"
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"time"
	"unsafe"
)

// loop takes events off the queue until the queue is closed and drained, or
// Close gives up, and runs each session's events on a goroutine of its own:
// started when an event of an idle session arrives, ended when the session
// has none left, at most cfg.workers at once. An idle dispatcher holds no
// goroutine but this one; a busy one holds one per session with work, each
// costing a few KB while its handler waits on I/O.
//
// Taking an event and claiming its session are one step, as only this
// goroutine takes: the events of a session run in the order Take returned
// them. An event of a session that is running waits in its backlog and needs
// no goroutine.
func (d *Dispatcher) loop() {
	defer d.workers.Done()
	for !d.abandoned.Load() {
		ev, err := d.queue.Take(d.ctx)
		if err != nil {
			if errors.Is(err, ErrQueueClosed) || d.ctx.Err() != nil {
				return
			}
			// A durable queue's transient failure: do not spin on it.
			d.log.Error("mluvii dispatcher: taking from the queue", "err", err)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-d.ctx.Done():
			}
			continue
		}
		if !d.sched.claim(ev) {
			continue // backlogged behind its session's running handler
		}
		select {
		case d.sessionSlots <- struct{}{}:
		case <-d.ctx.Done():
			// Close gave up: the event is never Done, so a durable queue
			// delivers it again after a restart.
			d.sched.next(ev.SessionID, true)
			return
		}
		d.workers.Add(1)
		go func() {
			defer d.workers.Done()
			defer func() { <-d.sessionSlots }()
			d.runSession(ev)
		}()
	}
}

// runSession handles ev, whose session the caller has claimed, and then, in
// order, every event of the session that arrived meanwhile.
func (d *Dispatcher) runSession(ev QueuedEvent) {
	for {
		if !d.handle(ev) {
			// Close gave up: the event and the session's backlog are never
			// Done, so a durable queue delivers them again after a restart.
			d.sched.next(ev.SessionID, true)
			return
		}
		if !ev.outside {
			d.queue.Done(ev)
		}
		var ok bool
		if ev, ok = d.sched.next(ev.SessionID, false); !ok {
			return
		}
	}
}

// sessionScheduler keeps the events of one session in order: a session is
// active while a worker runs one of its events, and events taken for an
// active session wait in its backlog. Backlogged events are not Done, so
// they count against the queue's capacity.
type sessionScheduler struct {
	mu     sync.Mutex
	active map[int64][]QueuedEvent // present = a worker owns the session
}

// claim makes the caller the owner of ev's session, or backlogs ev behind
// the owner and reports false.
func (s *sessionScheduler) claim(ev QueuedEvent) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if backlog, busy := s.active[ev.SessionID]; busy {
		s.active[ev.SessionID] = append(backlog, ev)
		return false
	}
	if s.active == nil {
		s.active = make(map[int64][]QueuedEvent)
	}
	s.active[ev.SessionID] = nil
	return true
}

// next pops the session's next backlogged event, or releases the session.
// With stop set the backlog is abandoned (its events are never Done, so a
// durable queue delivers them again).
func (s *sessionScheduler) next(session int64, stop bool) (QueuedEvent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	backlog := s.active[session]
	if len(backlog) == 0 || stop {
		delete(s.active, session)
		return QueuedEvent{}, false
	}
	ev := backlog[0]
	backlog[0] = QueuedEvent{} // let the body be collected
	s.active[session] = backlog[1:]
	return ev, true
}

// handle runs the handler for one event; it never panics. It reports false,
// running nothing, once Close has given up.
func (d *Dispatcher) handle(ev QueuedEvent) bool {
	if !d.begin(ev) {
		return false
	}
	defer d.end(ev)
	hs := d.handlers.Load()
	a := ev.Activity
	if a == nil {
		// Queued events hold only their body: decoded here, the activity
		// lives while its handler runs. The body is not modified (see
		// QueuedEvent.Body), so the activity may share its memory.
		var err error
		if a, err = decodeString(unsafe.String(unsafe.SliceData(ev.Body), len(ev.Body)), ev.Body); err != nil {
			d.report(hs, err, ev.Body)
			return true
		}
	}
	ctx := d.ctx
	var sc *sessionScope
	if d.cfg.sessions != nil && a.Session() != 0 {
		ctx, sc = d.cfg.sessions.scope(ctx, a.Session())
	}
	if h := hs.lookup(a); h == nil {
		d.stats.unhandled.Add(1)
	} else if err := d.call(ctx, h, a); err != nil {
		d.stats.handlerErrors.Add(1)
		d.report(hs, err, ev.Body)
	}
	if sc != nil {
		if err := d.cfg.sessions.finish(ctx, sc, a.ActivityName()); err != nil {
			d.report(hs, err, ev.Body)
		}
	}
	return true
}

// begin counts a handler as running, unless Close has given up: starting a
// handler and giving up exclude each other (both hold mu), so none starts
// after Close returned its error, and Close counts those that run.
func (d *Dispatcher) begin(ev QueuedEvent) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.abandoned.Load() {
		return false
	}
	d.stats.running.Add(1)
	if !ev.outside {
		d.runningQueued.Add(1)
	}
	return true
}

// end counts a handler begin counted as finished.
func (d *Dispatcher) end(ev QueuedEvent) {
	if !ev.outside {
		d.runningQueued.Add(-1)
	}
	d.stats.running.Add(-1)
	d.stats.handled.Add(1)
}

// call runs h, turning an error or a panic into a *HandlerError.
func (d *Dispatcher) call(ctx context.Context, h handlerFunc, a Activity) (err error) {
	defer func() {
		if v := recover(); v != nil {
			d.stats.panics.Add(1)
			err = &HandlerError{Activity: a.ActivityName(), SessionID: a.Session(), Panic: v, Stack: debug.Stack()}
		}
	}()
	if err := h(ctx, a); err != nil {
		return &HandlerError{Activity: a.ActivityName(), SessionID: a.Session(), Err: err}
	}
	return nil
}

// report hands err to OnError, or logs it. OnError gets its own copy of the
// body: the queued body is shared with the activity's strings, which a
// handler may have kept, and OnError may well redact it in place.
func (d *Dispatcher) report(hs *handlerSet, err error, body []byte) {
	if hs.onError == nil {
		d.log.Error("mluvii dispatcher: event failed", "err", err, "bytes", len(body))
		return
	}
	defer func() {
		if v := recover(); v != nil {
			d.stats.panics.Add(1)
			d.log.Error("mluvii dispatcher: OnError handler panicked", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	body = bytes.Clone(body)
	var de *DecodeError
	if errors.As(err, &de) {
		de.Body = body
	}
	hs.onError(d.ctx, err, body)
}
