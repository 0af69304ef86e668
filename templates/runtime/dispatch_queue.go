package mluvii

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrQueueClosed is returned by a Queue's Put after Close, and by Take once
// the queue is closed and every event has been taken.
var ErrQueueClosed = errors.New("mluvii: dispatcher queue closed")

// ErrQueueFull and ErrQueueBytesFull are wrapped by the error of a Put that
// gave up waiting for room, saying which bound was hit: the number of events
// or their bytes. The dispatcher counts them apart in Stats.
var (
	ErrQueueFull      = errors.New("mluvii: dispatcher queue full (events)")
	ErrQueueBytesFull = errors.New("mluvii: dispatcher queue full (bytes)")
)

// QueuedEvent is one acknowledged webhook body waiting for its handlers.
// Its exported fields are plain data, so a durable Queue can store it.
type QueuedEvent struct {
	// ID is set by the dispatcher before Put, unique within the process. A
	// durable queue may replace it with its own key in what Take returns: the
	// dispatcher hands Take's event back to Done unchanged.
	ID uint64
	// SessionID is the activity's session (0 for undecodable bodies); the
	// events of one session are handled in the order Take returns them.
	SessionID int64
	// Name is the activity's wire name ("" for undecodable bodies).
	Name string
	// Body is the webhook body exactly as received. It must not be modified:
	// the decoded Activity's strings share its memory, so that a queued
	// event holds its body once.
	Body []byte
	// Received is when the request arrived.
	Received time.Time
	// Activity is the decoded body, or nil: the dispatcher queues events
	// without it, so that a waiting event holds nothing but its body, and
	// decodes Body when the event's turn comes. A durable queue need not
	// keep it.
	Activity Activity

	outside bool // a late response run without the queue: never Done
}

// Queue holds acknowledged events until the dispatcher's workers have handled
// them. The default is an in-memory queue (NewMemoryQueue); plug a durable one
// in with WithQueue so that events acked but not handled survive a restart.
//
// Put, Done and Len are called from many goroutines at once; Take from one
// at a time. The dispatcher keeps per-session order itself: a Queue only has
// to be first in, first out.
type Queue interface {
	// Put appends e. While the queue is full it waits until there is room or
	// ctx is done (then it returns an error and e is not queued). When there
	// is room it takes e even if ctx is already done: the deadline is for
	// waiting, and a request whose body was slow to arrive must not be
	// refused by a queue with room. After Close it returns ErrQueueClosed.
	Put(ctx context.Context, e QueuedEvent) error
	// Take removes and returns the oldest event, waiting for one while the
	// queue is empty. It returns ErrQueueClosed once the queue is closed and
	// empty, or ctx's error when ctx is done first.
	Take(ctx context.Context) (QueuedEvent, error)
	// Done reports that the handlers are finished with e (whatever they
	// returned): a durable queue may now forget it. Events taken but never
	// Done were not handled and should be returned by Take again after a
	// restart.
	Done(e QueuedEvent)
	// Len reports how many events were Put and are not Done yet.
	Len() int
	// Close makes later Puts fail; Take keeps returning the events already
	// queued.
	Close() error
}

// MemoryQueue is the default Queue: a bounded in-memory FIFO. Its bounds
// count events that are queued, waiting behind their session or being
// handled — everything acked and not yet Done — by number and by the bytes of
// their bodies, so memory stays bounded even when handlers are slow.
type MemoryQueue struct {
	slots  chan struct{}    // one token per event not yet Done
	items  chan QueuedEvent // events not yet taken
	closed chan struct{}    // closed by Close: Put stops waiting for room

	mu sync.Mutex // guards sending on and closing items

	maxBytes int64
	bmu      sync.Mutex
	bytes    int64         // body bytes of the events not yet Done
	room     chan struct{} // closed (and replaced) when bytes are freed while a Put waits
	waiting  int           // Puts waiting on room
	taken    int           // events taken and not yet Done
}

// NewMemoryQueue returns an in-memory queue holding at most size events that
// are not Done (size < 1 means 1) and at most DefaultQueueBytes of their
// bodies.
func NewMemoryQueue(size int) *MemoryQueue {
	return NewMemoryQueueBytes(size, DefaultQueueBytes)
}

// NewMemoryQueueBytes returns an in-memory queue holding at most size events
// (size < 1 means 1) and at most maxBytes bytes of bodies (maxBytes < 1 means
// DefaultQueueBytes) that are not Done. One body larger than maxBytes is
// taken when the queue is empty, so that the bound never refuses a body the
// dispatcher's size limit accepts.
func NewMemoryQueueBytes(size int, maxBytes int64) *MemoryQueue {
	size = max(size, 1)
	if maxBytes < 1 {
		maxBytes = DefaultQueueBytes
	}
	return &MemoryQueue{
		slots:    make(chan struct{}, size),
		items:    make(chan QueuedEvent, size),
		closed:   make(chan struct{}),
		maxBytes: maxBytes,
		room:     make(chan struct{}),
	}
}

// Put implements Queue.
func (q *MemoryQueue) Put(ctx context.Context, e QueuedEvent) error {
	if err := q.takeSlot(ctx); err != nil {
		return err
	}
	if err := q.takeBytes(ctx, int64(len(e.Body))); err != nil {
		<-q.slots
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	select {
	case <-q.closed:
		q.release(e)
		return ErrQueueClosed
	default:
	}
	select {
	case q.items <- e:
		return nil
	default:
		// Cannot happen while Done follows Take (slots bound the events not
		// Done, which include those not taken); never block under mu.
		q.release(e)
		return fmt.Errorf("%w: more events queued than slots", ErrQueueFull)
	}
}

// takeSlot takes room for one event, at once if there is some.
func (q *MemoryQueue) takeSlot(ctx context.Context) error {
	select {
	case q.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case q.slots <- struct{}{}:
		return nil
	case <-q.closed:
		return ErrQueueClosed
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrQueueFull, ctx.Err())
	}
}

// takeBytes takes room for n bytes of body, at once if there is some.
func (q *MemoryQueue) takeBytes(ctx context.Context, n int64) error {
	for {
		q.bmu.Lock()
		if q.bytes == 0 || q.bytes+n <= q.maxBytes {
			q.bytes += n
			q.bmu.Unlock()
			return nil
		}
		q.waiting++
		room := q.room
		q.bmu.Unlock()
		var err error
		select {
		case <-room:
		case <-q.closed:
			err = ErrQueueClosed
		case <-ctx.Done():
			err = fmt.Errorf("%w: %w", ErrQueueBytesFull, ctx.Err())
		}
		q.bmu.Lock()
		q.waiting--
		q.bmu.Unlock()
		if err != nil {
			return err
		}
	}
}

// release gives back the room e took.
func (q *MemoryQueue) release(e QueuedEvent) {
	select {
	case <-q.slots:
	default: // more Dones than Puts: a caller bug, but never block on it
	}
	q.bmu.Lock()
	defer q.bmu.Unlock()
	q.freeBytes(e)
}

// freeBytes gives back e's bytes and wakes the Puts waiting for them. Called
// with bmu held.
func (q *MemoryQueue) freeBytes(e QueuedEvent) {
	q.bytes = max(q.bytes-int64(len(e.Body)), 0)
	if q.waiting > 0 {
		close(q.room)
		q.room = make(chan struct{})
	}
}

// Take implements Queue.
func (q *MemoryQueue) Take(ctx context.Context) (QueuedEvent, error) {
	select {
	case e, ok := <-q.items:
		if !ok {
			return QueuedEvent{}, ErrQueueClosed
		}
		q.bmu.Lock()
		q.taken++
		q.bmu.Unlock()
		return e, nil
	case <-ctx.Done():
		return QueuedEvent{}, ctx.Err()
	}
}

// Done implements Queue. A Done without an event taken and not yet Done (of
// an event never taken, or twice for one) is a caller's bug and does nothing:
// freeing the room of an event still queued would let Put overfill it.
func (q *MemoryQueue) Done(e QueuedEvent) {
	q.bmu.Lock()
	defer q.bmu.Unlock()
	if q.taken == 0 {
		return
	}
	q.taken--
	select {
	case <-q.slots:
	default:
	}
	q.freeBytes(e)
}

// Len implements Queue.
func (q *MemoryQueue) Len() int { return len(q.slots) }

// Bytes reports the body bytes of the events that were Put and are not Done
// yet. The dispatcher's Stats report it for any Queue that has this method.
func (q *MemoryQueue) Bytes() int64 {
	q.bmu.Lock()
	defer q.bmu.Unlock()
	return q.bytes
}

// Close implements Queue. It is safe to call more than once.
func (q *MemoryQueue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	select {
	case <-q.closed:
	default:
		close(q.closed)
		close(q.items)
	}
	return nil
}
