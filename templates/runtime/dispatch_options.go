package mluvii

import (
	"io"
	"log/slog"
	"time"
)

// Dispatcher defaults.
const (
	// DefaultMaxBodyBytes is the largest webhook body accepted (8 MiB).
	DefaultMaxBodyBytes = 8 << 20
	// DefaultAckBudget bounds how long a request waits for room in a full
	// queue, counted from its arrival: mluvii wants its answer within 2 s,
	// and a saturated CPU needs some of that margin to send it.
	DefaultAckBudget = time.Second
	// DefaultReadTimeout bounds reading one request's body.
	DefaultReadTimeout = 10 * time.Second
	// DefaultWorkers is the number of handlers that may run at once: enough
	// for 2 000 events/s whose handlers wait 3 s each on I/O, as each costs
	// only a goroutine while it waits.
	DefaultWorkers = 10_000
	// DefaultQueueSize is how many acked events may wait or run at once.
	DefaultQueueSize = 20_000
	// DefaultQueueBytes is how many bytes of bodies the acked events waiting
	// or running may hold at once (64 MiB).
	DefaultQueueBytes = 64 << 20
	// DefaultSecretParam is the query parameter carrying the callback secret.
	DefaultSecretParam = "secret"
	// DefaultSecretHeader is the header carrying the callback secret.
	DefaultSecretHeader = "X-Mluvii-Secret"
)

// A DispatcherOption configures NewDispatcher.
type DispatcherOption func(*dispatcherConfig)

type dispatcherConfig struct {
	secrets      []string
	secretSet    bool
	secretParam  string
	secretHeader string
	log          *slog.Logger
	maxBody      int64
	readTimeout  time.Duration
	ackBudget    time.Duration
	workers      int
	queueSize    int
	queueBytes   int64
	queue        Queue
	dedupe       time.Duration
	waiters      []ResponseWaiter
	registry     WaiterRegistry
	sessions     sessionHook
	recorder     *Recorder // WithDispatchRecorder (record.go)
}

func defaultDispatcherConfig() dispatcherConfig {
	return dispatcherConfig{
		secretParam:  DefaultSecretParam,
		secretHeader: DefaultSecretHeader,
		log:          slog.Default(),
		maxBody:      DefaultMaxBodyBytes,
		readTimeout:  DefaultReadTimeout,
		ackBudget:    DefaultAckBudget,
		workers:      DefaultWorkers,
		queueSize:    DefaultQueueSize,
		queueBytes:   DefaultQueueBytes,
	}
}

// WithCallbackSecret makes the dispatcher answer 401 to every request that
// does not carry secret: as the query parameter "secret" (WithSecretParam), as
// the header X-Mluvii-Secret (WithSecretHeader), or as the password of Basic
// credentials (user name ignored; mluvii sends them when the callback URL
// holds user:password@). mluvii does not sign its calls, so put the secret in
// the callback URL you configure. Give the option more than once to accept
// several secrets while rotating. An empty secret matches nothing: a missing
// environment variable locks the webhook rather than opening it.
//
// Without this option every request is accepted.
func WithCallbackSecret(secret string) DispatcherOption {
	return func(c *dispatcherConfig) {
		c.secretSet = true
		if secret != "" {
			c.secrets = append(c.secrets, secret)
		}
	}
}

// WithSecretParam names the query parameter carrying the callback secret
// (default "secret"; "" disables the query transport).
func WithSecretParam(name string) DispatcherOption {
	return func(c *dispatcherConfig) { c.secretParam = name }
}

// WithSecretHeader names the header carrying the callback secret (default
// X-Mluvii-Secret; "" disables the header transport).
func WithSecretHeader(name string) DispatcherOption {
	return func(c *dispatcherConfig) { c.secretHeader = name }
}

// WithDispatchLogger sets the dispatcher's logger (default slog.Default(); nil
// discards). It never logs secrets, query strings or bodies.
func WithDispatchLogger(l *slog.Logger) DispatcherOption {
	return func(c *dispatcherConfig) {
		if l == nil {
			l = slog.New(slog.NewTextHandler(io.Discard, nil))
		}
		c.log = l
	}
}

// WithMaxBodyBytes sets the largest body accepted (default 8 MiB); larger
// bodies are answered 413.
func WithMaxBodyBytes(n int64) DispatcherOption {
	return func(c *dispatcherConfig) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithReadTimeout bounds reading one request's body (default 10 s); a slower
// sender is answered 408.
func WithReadTimeout(d time.Duration) DispatcherOption {
	return func(c *dispatcherConfig) {
		if d > 0 {
			c.readTimeout = d
		}
	}
}

// WithAckBudget sets how long, counted from its arrival, a request may wait
// for room in a full queue before it is answered 503 (default 1 s; keep it
// well under mluvii's 2 s). A request finding room is queued however long its
// body took to arrive.
func WithAckBudget(d time.Duration) DispatcherOption {
	return func(c *dispatcherConfig) {
		if d > 0 {
			c.ackBudget = d
		}
	}
}

// WithWorkers sets how many handlers may run at once (default 10 000). Each
// runs on a goroutine started for its session's events and ended when the
// session has none left, so the number costs nothing until it is used; a
// handler waiting on I/O holds a few KB. Events of one session never run
// concurrently, whatever this number. n < 1 keeps the default.
func WithWorkers(n int) DispatcherOption {
	return func(c *dispatcherConfig) {
		if n > 0 {
			c.workers = n
		}
	}
}

// WithQueueSize sets the capacity of the default in-memory queue: how many
// acked events may be waiting or running at once (default 20 000; n < 1
// keeps it). A request that finds it full waits for room within the ack
// budget, then gets 503, counted in Stats().RejectedFull. It has no effect
// with WithQueue.
func WithQueueSize(n int) DispatcherOption {
	return func(c *dispatcherConfig) {
		if n > 0 {
			c.queueSize = n
		}
	}
}

// WithQueueBytes sets how many bytes of bodies the default in-memory queue
// holds for the acked events waiting or running (default 64 MiB; one body is
// always taken into an empty queue, whatever its size). With the count of
// WithQueueSize it bounds the queue's memory: a request that finds either
// bound reached waits for room within the ack budget, then gets 503, counted
// in Stats().RejectedBytes or RejectedFull. n < 1 keeps the default. It has
// no effect with WithQueue.
func WithQueueBytes(n int64) DispatcherOption {
	return func(c *dispatcherConfig) {
		if n > 0 {
			c.queueBytes = n
		}
	}
}

// WithQueue replaces the in-memory queue, e.g. by a durable one. The
// dispatcher closes it in Close.
func WithQueue(q Queue) DispatcherOption {
	return func(c *dispatcherConfig) { c.queue = q }
}

// WithDedupe drops a body identical to one received for the same session
// within window (mluvii has no delivery id and is known to repeat the first
// message of a conversation). The duplicate is answered 200 and counted in
// Stats().Duplicates. Off by default. Responses that a waiter takes are never
// treated as duplicates: asking twice may legitimately get the same answer.
func WithDedupe(window time.Duration) DispatcherOption {
	return func(c *dispatcherConfig) { c.dedupe = max(window, 0) }
}

// WithResponseWaiter adds a ResponseWaiter that is offered responses after
// the dispatcher's own Waiters and before the queue (e.g. one that forwards
// them to another process). Give it more than once to add several, offered in
// order.
func WithResponseWaiter(w ResponseWaiter) DispatcherOption {
	return func(c *dispatcherConfig) {
		if w != nil {
			c.waiters = append(c.waiters, w)
		}
	}
}

// WithWaiterRegistry makes the registrations of the dispatcher's Waiters
// known to r, which claims them beyond the process (see WaiterRegistry): for
// several replicas of a bot, with a ResponseWaiter (WithResponseWaiter) that
// hands responses to the replica waiting for them.
func WithWaiterRegistry(r WaiterRegistry) DispatcherOption {
	return func(c *dispatcherConfig) { c.registry = r }
}

// WithSessionState gives the handlers st: in a handler, st.Get(ctx) returns
// the state of the event's session. The dispatcher drops a session's state
// after the handler of an activity that ends the session, and stops its
// expiry timer on Close. Give a SessionState to one dispatcher.
func WithSessionState[S any](st *SessionState[S]) DispatcherOption {
	return func(c *dispatcherConfig) { c.sessions = st }
}
