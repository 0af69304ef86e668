//go:build mluviigen

package mluvii

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrQueueClosed is returned by a Queue's Put after Close, and by Take once
// the queue is closed and every event has been taken.
var ErrQueueClosed = errors.New("mluvii: dispatcher queue closed")

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
	// Body is the webhook body exactly as received.
	Body []byte
	// Received is when the request arrived.
	Received time.Time
	// Activity is the decoded body. A durable queue need not keep it: when it
	// is nil the dispatcher decodes Body again.
	Activity Activity
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
	// ctx is done (then it returns an error and e is not queued). After Close
	// it returns ErrQueueClosed.
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

// MemoryQueue is the default Queue: a bounded in-memory FIFO. Its capacity
// counts events that are queued, waiting behind their session or being
// handled — everything acked and not yet Done — so memory stays bounded even
// when handlers are slow.
type MemoryQueue struct {
	slots  chan struct{}    // one token per event not yet Done
	items  chan QueuedEvent // events not yet taken
	closed chan struct{}    // closed by Close: Put stops waiting for room

	mu sync.Mutex // guards sending on and closing items
}

// NewMemoryQueue returns an in-memory queue holding at most size events that
// are not Done (size < 1 means 1).
func NewMemoryQueue(size int) *MemoryQueue {
	size = max(size, 1)
	return &MemoryQueue{
		slots:  make(chan struct{}, size),
		items:  make(chan QueuedEvent, size),
		closed: make(chan struct{}),
	}
}

// Put implements Queue.
func (q *MemoryQueue) Put(ctx context.Context, e QueuedEvent) error {
	select {
	case q.slots <- struct{}{}:
	case <-q.closed:
		return ErrQueueClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	select {
	case <-q.closed:
		<-q.slots
		return ErrQueueClosed
	default:
	}
	// Never blocks: items has as much room as there are slots.
	q.items <- e
	return nil
}

// Take implements Queue.
func (q *MemoryQueue) Take(ctx context.Context) (QueuedEvent, error) {
	select {
	case e, ok := <-q.items:
		if !ok {
			return QueuedEvent{}, ErrQueueClosed
		}
		return e, nil
	case <-ctx.Done():
		return QueuedEvent{}, ctx.Err()
	}
}

// Done implements Queue.
func (q *MemoryQueue) Done(QueuedEvent) {
	select {
	case <-q.slots:
	default: // more Dones than Puts: a caller bug, but never block on it
	}
}

// Len implements Queue.
func (q *MemoryQueue) Len() int { return len(q.slots) }

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
