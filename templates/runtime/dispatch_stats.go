package mluvii

import "sync/atomic"

// DispatcherStats is a snapshot of a dispatcher's counters since it was
// created. Every POST whose body was read is answered 200 (Acked) or 503
// (Rejected). Every event that was queued (Enqueued) is Handled by the time
// Close returns nil; only when Close gives up do some stay in the queue.
type DispatcherStats struct {
	Acked           uint64 // POSTs answered 200
	Rejected        uint64 // POSTs answered 503: full queue after the ack budget, or closing
	RejectedFull    uint64 // of those, the queue held its most events (WithQueueSize)
	RejectedBytes   uint64 // of those, the queue held its most bytes (WithQueueBytes)
	RejectedClosing uint64 // of those, Close had begun
	Unauthorized    uint64 // requests answered 401
	TooLarge        uint64 // requests answered 413
	ReadErrors      uint64 // bodies that could not be read (408, 400)
	Pings           uint64 // activities without a session, answered at once
	DecodeErrors    uint64 // bodies Decode rejected (acked, passed to OnError)
	Duplicates      uint64 // bodies dropped by WithDedupe
	ToWaiters       uint64 // responses taken by a waiter
	LateResponses   uint64 // responses queued after their waiter gave up
	Enqueued        uint64 // events put on the queue
	Handled         uint64 // queued events and late responses finished: handler run (whatever it returned), none found, or reported to OnError
	Unhandled       uint64 // of those, decoded events without a handler
	HandlerErrors   uint64 // handlers that returned an error or panicked
	Panics          uint64 // handler (or OnError) panics recovered
	Dropped         uint64 // acked late responses that came back after Close returned, not handled
	QueueDepth      int    // events acked and not yet handled (Queue.Len)
	QueueBytes      int64  // bytes of their bodies, for a Queue with a Bytes() int64 method (MemoryQueue)
	Running         int    // handlers running now
}

type dispatchCounters struct {
	acked, rejected, unauthorized, tooLarge, readErrors          atomic.Uint64
	rejectedFull, rejectedBytes, rejectedClosing                 atomic.Uint64
	pings, decodeErrors, duplicates, toWaiters, lateResponses    atomic.Uint64
	enqueued, handled, unhandled, handlerErrors, panics, dropped atomic.Uint64
	running                                                      atomic.Int64
}

// Stats returns a snapshot of the counters. Counters are read one by one, so
// while requests are in flight they may not add up exactly.
func (d *Dispatcher) Stats() DispatcherStats {
	c := &d.stats
	return DispatcherStats{
		Acked:           c.acked.Load(),
		Rejected:        c.rejected.Load(),
		RejectedFull:    c.rejectedFull.Load(),
		RejectedBytes:   c.rejectedBytes.Load(),
		RejectedClosing: c.rejectedClosing.Load(),
		Unauthorized:    c.unauthorized.Load(),
		TooLarge:        c.tooLarge.Load(),
		ReadErrors:      c.readErrors.Load(),
		Pings:           c.pings.Load(),
		DecodeErrors:    c.decodeErrors.Load(),
		Duplicates:      c.duplicates.Load(),
		ToWaiters:       c.toWaiters.Load(),
		LateResponses:   c.lateResponses.Load(),
		Enqueued:        c.enqueued.Load(),
		Handled:         c.handled.Load(),
		Unhandled:       c.unhandled.Load(),
		HandlerErrors:   c.handlerErrors.Load(),
		Panics:          c.panics.Load(),
		Dropped:         c.dropped.Load(),
		QueueDepth:      d.queue.Len(),
		QueueBytes:      queueBytes(d.queue),
		Running:         int(c.running.Load()),
	}
}

// queueBytes reports q's body bytes, if q counts them.
func queueBytes(q Queue) int64 {
	if b, ok := q.(interface{ Bytes() int64 }); ok {
		return b.Bytes()
	}
	return 0
}
