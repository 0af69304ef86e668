package mluvii

import (
	"context"
	"fmt"
	"maps"
)

// handlerFunc is a handler behind its typed registration.
type handlerFunc func(ctx context.Context, a Activity) error

// handlerSet is an immutable snapshot of the registrations; registering
// swaps in a modified copy, so the workers read it without locking.
type handlerSet struct {
	byName  map[string]handlerFunc // by activity wire name
	unknown handlerFunc
	any     handlerFunc
	onError func(ctx context.Context, err error, body []byte)
}

// update applies change to a copy of the registrations and publishes it.
func (d *Dispatcher) update(change func(s *handlerSet)) {
	d.regMu.Lock()
	defer d.regMu.Unlock()
	s := *d.handlers.Load()
	s.byName = maps.Clone(s.byName)
	change(&s)
	d.handlers.Store(&s)
}

// register sets (or, when h is nil, removes) the handler of the activity
// named name. The generated On… methods call it.
func (d *Dispatcher) register(name string, h handlerFunc) {
	d.update(func(s *handlerSet) {
		if h == nil {
			delete(s.byName, name)
		} else {
			s.byName[name] = h
		}
	})
}

// handlerOf adapts a typed handler; nil stays nil.
func handlerOf[T Activity](h func(context.Context, T) error) handlerFunc {
	if h == nil {
		return nil
	}
	return func(ctx context.Context, a Activity) error {
		t, ok := a.(T)
		if !ok { // Decode returned another type for this name: a generator bug
			return fmt.Errorf("mluvii: handler for %T got %T", t, a)
		}
		return h(ctx, t)
	}
}

// lookup finds the handler for a: its typed handler, else OnUnknown's for
// unknown activities, else OnActivity's.
func (s *handlerSet) lookup(a Activity) handlerFunc {
	if _, unknown := a.(*Unknown); unknown {
		if s.unknown != nil {
			return s.unknown
		}
	} else if h := s.byName[a.ActivityName()]; h != nil {
		return h
	}
	return s.any
}

// OnUnknown registers h for activities the spec does not know (Decode's
// *Unknown), replacing any earlier one; nil removes it. Without it they go to
// OnActivity's handler. Safe at any time; applies to events handled after it
// returns.
func (d *Dispatcher) OnUnknown(h func(ctx context.Context, a *Unknown) error) {
	f := handlerOf(h)
	d.update(func(s *handlerSet) { s.unknown = f })
}

// OnActivity registers h for every activity that has no more specific
// handler, replacing any earlier one; nil removes it. Events without any
// handler are counted in Stats().Unhandled and dropped. Safe at any time;
// applies to events handled after it returns.
func (d *Dispatcher) OnActivity(h func(ctx context.Context, a Activity) error) {
	d.update(func(s *handlerSet) { s.any = h })
}

// OnError registers h to hear about what went wrong after the 200 was sent:
// a body Decode rejected (err is a *DecodeError), a handler that returned an
// error or panicked (err is a *HandlerError). body is the raw webhook body. h
// runs on a worker like the handlers; a panic in it is logged. Without it the
// error is logged (never the body). Safe at any time.
func (d *Dispatcher) OnError(h func(ctx context.Context, err error, body []byte)) {
	d.update(func(s *handlerSet) { s.onError = h })
}

// HandlerError is what OnError receives when a handler returns an error or
// panics.
type HandlerError struct {
	Activity  string // wire name
	SessionID int64
	Err       error  // what the handler returned; nil when it panicked
	Panic     any    // the value it panicked with
	Stack     []byte // the goroutine's stack at the panic
}

// Error says which activity of which session failed, and why.
func (e *HandlerError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("mluvii: %s handler panicked (session %d): %v", e.Activity, e.SessionID, e.Panic)
	}
	return fmt.Sprintf("mluvii: %s handler (session %d): %v", e.Activity, e.SessionID, e.Err)
}

// Unwrap returns the handler's error.
func (e *HandlerError) Unwrap() error { return e.Err }
