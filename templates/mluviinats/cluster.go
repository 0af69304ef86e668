package mluviinats

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of Config.
const (
	DefaultPrefix          = "mluvii"
	DefaultPartitions      = 64
	DefaultAckWait         = 30 * time.Second
	DefaultDuplicateWindow = 2 * time.Minute
	DefaultDoneTTL         = 15 * time.Minute
	DefaultWaitTTL         = 30 * time.Second
	DefaultMaxInFlight     = 1024
	DefaultPullWait        = 5 * time.Second
	DefaultOfferTimeout    = 500 * time.Millisecond
	DefaultOpTimeout       = 5 * time.Second
	DefaultMaxBytes        = 1 << 30
)

// Config says where a Cluster keeps its state. Every replica of a bot must use
// the same Prefix, Stream and Partitions; the zero value of the other fields
// means their default.
type Config struct {
	// Prefix begins every subject: <Prefix>.events.<partition> carries the
	// events, <Prefix>.wait.<session>.<response> the responses handed to
	// the replica waiting for them (default "mluvii").
	Prefix string
	// Stream is the JetStream stream of the events (default PREFIX_EVENTS,
	// in upper case). Its key-value buckets are <Stream>_DONE (finished
	// events), <Stream>_WAIT (…AndWait claims) and <Stream>_STATE (session
	// state, see SessionStore). New creates all four when they are missing.
	Stream string
	// Partitions is how many partitions the events are spread over by
	// session (default 64). It is fixed when the stream is created: a
	// replica configured otherwise fails in New. Each partition runs one
	// event at a time across all replicas.
	Partitions int
	// StreamReplicas is how many NATS servers keep a copy of the stream and
	// the buckets (default 1; 3 in a production NATS cluster).
	StreamReplicas int
	// AckWait is how long an event taken by a replica that stopped
	// responding waits before another replica runs it (default 30 s). A
	// live replica keeps its events for as long as their handlers run.
	AckWait time.Duration
	// DuplicateWindow is how long the stream drops a webhook body identical
	// to one already stored for the same session: mluvii retries a webhook
	// whose answer it did not get, and the retry may reach another replica
	// (default 2 min; negative: keep duplicates).
	DuplicateWindow time.Duration
	// DoneTTL is how long a finished event's id is remembered, so that a
	// redelivery of an event whose acknowledgement was lost does not run
	// it again (default 15 min).
	DoneTTL time.Duration
	// WaitTTL is how long the …AndWait claim of a replica that died outlives
	// it (default 30 s): a live replica rewrites its claims every WaitTTL/3
	// for as long as the call waits.
	WaitTTL time.Duration
	// MaxInFlight is how many events this replica takes and has not
	// finished at once (default 1024): a replica's capacity. Every replica
	// pulls from every partition; an event it pulls beyond the bound waits
	// in its hands (kept alive by the heartbeat) until one finishes.
	MaxInFlight int
	// PullWait is how long a pull for a partition's next event waits on
	// the server (default 5 s).
	PullWait time.Duration
	// OfferTimeout bounds handing a response to the replica waiting for it
	// (default 500 ms); a response not taken in time goes to the handlers.
	OfferTimeout time.Duration
	// OpTimeout bounds every other call to NATS (default 5 s).
	OpTimeout time.Duration
	// MaxBytes bounds the stream (default 1 GiB): a webhook that finds it
	// full is answered 503, and mluvii retries it.
	MaxBytes int64
	// SessionTTL is how long the STATE bucket keeps a session's state after
	// its last change (default 30 min, as the in-memory SessionState's).
	SessionTTL time.Duration
	// Logger gets the cluster's errors (default slog.Default()).
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Stream == "" {
		c.Stream = upper(c.Prefix) + "_EVENTS"
	}
	if c.Partitions <= 0 {
		c.Partitions = DefaultPartitions
	}
	if c.StreamReplicas <= 0 {
		c.StreamReplicas = 1
	}
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	c.AckWait = max(c.AckWait, minTimer)
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = DefaultDuplicateWindow
	}
	if c.DoneTTL <= 0 {
		c.DoneTTL = DefaultDoneTTL
	}
	if c.WaitTTL <= 0 {
		c.WaitTTL = DefaultWaitTTL
	}
	c.WaitTTL = max(c.WaitTTL, minTimer)
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.PullWait <= 0 {
		c.PullWait = DefaultPullWait
	}
	c.PullWait = max(c.PullWait, 100*time.Millisecond)
	if c.OfferTimeout <= 0 {
		c.OfferTimeout = DefaultOfferTimeout
	}
	if c.OpTimeout <= 0 {
		c.OpTimeout = DefaultOpTimeout
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = defaultSessionTTL
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// minTimer is the least AckWait and WaitTTL: their heartbeats tick at a
// third of them.
const minTimer = 100 * time.Millisecond

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c == '.' || c == '*' || c == '>' || c == ' ':
			b[i] = '_'
		}
	}
	return string(b)
}

// Metadata keys of the stream: what every replica must agree on.
const (
	metaSpec       = "mluvii-spec"
	metaPartitions = "mluvii-partitions"
)

// Headers of a stored event.
const (
	hdrSession  = "Mluvii-Session"
	hdrName     = "Mluvii-Activity"
	hdrReceived = "Mluvii-Received"
)

// ErrSetup is wrapped by every error of New: NATS unreachable, JetStream
// off, the stream missing and not creatable, or a replica configured
// differently from the stream (another spec, another partition count).
var ErrSetup = errors.New("mluviinats: set-up")

// Stats counts what a Cluster did since New.
type Stats struct {
	Put         int64 // events stored (acknowledged by JetStream)
	Taken       int64 // events handed to the dispatcher
	Redelivered int64 // events delivered again (a replica died or an ack was lost)
	Skipped     int64 // redelivered events already finished: acked, not run again
	Acked       int64 // finished events acknowledged
	AckErrors   int64 // acknowledgements that failed (the event is redelivered and skipped)
	Offered     int64 // responses handed to a waiter on another replica
	PullErrors  int64 // pulls that failed (NATS down, a consumer deleted)
	Foreign     int64 // messages on an event subject that Put did not publish (removed)
}

// Cluster is one replica's view of the bot's shared state on NATS: the
// dispatcher's Queue (the events, in a JetStream stream), a ResponseWaiter
// that hands responses to the replica waiting for them, and a WaiterRegistry
// that makes …AndWait exclusive across replicas. Give it to one Dispatcher
// with DispatcherOptions.
type Cluster struct {
	cfg     Config
	nc      *nats.Conn
	js      jetstream.JetStream
	done    jetstream.KeyValue
	wait    jetstream.KeyValue
	state   jetstream.KeyValue
	cons    []jetstream.Consumer
	msgID   bool
	log     *slog.Logger
	out     chan flight   // events pulled, not taken yet
	slots   chan struct{} // one per event pulled and not Done
	closed  chan struct{} // closed by Close
	idle    chan struct{} // closed once closed and no event is held: the heartbeat stops
	idleOne sync.Once
	pullers sync.WaitGroup // the partitions' pullers
	mu      sync.Mutex     // guards flights and finished
	flights map[uint64]flight
	// finished holds the events this replica finished, with when, so that
	// a redelivery caused by a lost ack is skipped without a round trip.
	finished map[uint64]time.Time
	// pullLogged is when each partition's last pull error was logged.
	pullLogged []time.Time
	closeOnce  sync.Once
	ctx        context.Context // cancelled by Close: pulls stop waiting
	stop       context.CancelFunc
	stats      struct {
		put, taken, redelivered, skipped, acked, ackErrors, offered, pullErrors, foreign atomic.Int64
	}
}

type flight struct {
	ev  QueuedEvent
	msg jetstream.Msg
}

// SpecHash identifies the spec the package was generated from: replicas whose
// hashes differ cannot share a stream.
func SpecHash() string {
	type field struct {
		Name, Type         string
		Required, Nullable bool
	}
	type act struct {
		Name, Role, Response string
		Fields               []field
	}
	var acts []act
	for _, a := range activities() {
		x := act{Name: a.Name, Role: fmt.Sprint(a.Role), Response: a.Response}
		for _, f := range a.Fields {
			x.Fields = append(x.Fields, field{f.Name, f.Type, f.Required, f.Nullable})
		}
		acts = append(acts, x)
	}
	b, _ := json.Marshal(acts)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// New connects a replica to the stream and buckets cfg names, creating them
// when they are missing, and starts pulling events once the dispatcher calls
// Take. nc must be connected; the caller closes it after the dispatcher's
// Close has returned. Every failure wraps ErrSetup and says what to fix:
// there is no fallback to memory.
func New(ctx context.Context, nc *nats.Conn, cfg Config) (*Cluster, error) {
	cfg = cfg.withDefaults()
	if nc == nil || !nc.IsConnected() {
		url := ""
		if nc != nil {
			url = nc.ConnectedUrlRedacted()
			if url == "" {
				url = fmt.Sprint(nc.Servers())
			}
		}
		return nil, fmt.Errorf("%w: NATS is not connected (%s)", ErrSetup, url)
	}
	// Each call is bounded by OpTimeout, not the whole set-up, which makes
	// one call per partition.
	var cancels []context.CancelFunc
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
	}()
	op := func() context.Context {
		octx, cancel := context.WithTimeout(ctx, cfg.OpTimeout)
		cancels = append(cancels, cancel)
		return octx
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	if _, err := js.AccountInfo(op()); err != nil {
		return nil, fmt.Errorf("%w: JetStream is not available on %s (start nats-server with -js): %w", ErrSetup, nc.ConnectedUrlRedacted(), err)
	}
	c := &Cluster{cfg: cfg, nc: nc, js: js, log: cfg.Logger, msgID: cfg.DuplicateWindow > 0,
		out: make(chan flight), slots: make(chan struct{}, cfg.MaxInFlight), closed: make(chan struct{}), idle: make(chan struct{}),
		flights: map[uint64]flight{}, finished: map[uint64]time.Time{}, pullLogged: make([]time.Time, cfg.Partitions)}
	c.ctx, c.stop = context.WithCancel(context.Background())
	if err := c.setupStream(op); err != nil {
		return nil, err
	}
	for p := range cfg.Partitions {
		cons, err := c.consumer(op(), p)
		if err != nil {
			return nil, err
		}
		c.cons = append(c.cons, cons)
	}
	for _, b := range []struct {
		kv   *jetstream.KeyValue
		name string
		ttl  time.Duration
	}{{&c.done, "_DONE", cfg.DoneTTL}, {&c.wait, "_WAIT", cfg.WaitTTL}, {&c.state, "_STATE", cfg.SessionTTL}} {
		if *b.kv, err = c.bucket(op(), cfg.Stream+b.name, b.ttl); err != nil {
			return nil, err
		}
	}
	c.pullers.Add(cfg.Partitions)
	for p := range cfg.Partitions {
		go c.pull(p)
	}
	go c.heartbeat()
	return c, nil
}

// consumerConfig is partition p's durable consumer.
func (c *Cluster) consumerConfig(p int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       fmt.Sprintf("p%03d", p),
		FilterSubject: c.eventSubject(p),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.cfg.AckWait,
		MaxAckPending: 1, // one event of the partition at a time, cluster-wide
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		Replicas:      c.cfg.StreamReplicas,
	}
}

// consumer finds or creates partition p's consumer. One made with another
// AckWait is refused: a replica whose heartbeat is slower than the
// consumer's AckWait would lose the events its handlers run.
func (c *Cluster) consumer(ctx context.Context, p int) (jetstream.Consumer, error) {
	cc := c.consumerConfig(p)
	cons, err := c.js.CreateConsumer(ctx, c.cfg.Stream, cc)
	if errors.Is(err, jetstream.ErrConsumerExists) {
		if old, gerr := c.js.Consumer(ctx, c.cfg.Stream, cc.Durable); gerr == nil && old.CachedInfo().Config.AckWait != cc.AckWait {
			return nil, fmt.Errorf("%w: consumer %s of stream %s has AckWait %v, this replica is configured for %v: give every replica the same Config (or delete the consumers while no replica runs)",
				ErrSetup, cc.Durable, c.cfg.Stream, old.CachedInfo().Config.AckWait, cc.AckWait)
		}
		return nil, fmt.Errorf("%w: consumer %s of stream %s was made with other settings: give every replica the same Config (or delete the consumers while no replica runs): %w", ErrSetup, cc.Durable, c.cfg.Stream, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: consumer of partition %d on stream %s: %w", ErrSetup, p, c.cfg.Stream, err)
	}
	return cons, nil
}

// bucket finds or creates a key-value bucket; one made with another TTL is
// refused, as for the consumers.
func (c *Cluster) bucket(ctx context.Context, name string, ttl time.Duration) (jetstream.KeyValue, error) {
	kv, err := c.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: name, TTL: ttl, History: 1, Storage: jetstream.FileStorage, Replicas: c.cfg.StreamReplicas,
	})
	if errors.Is(err, jetstream.ErrBucketExists) {
		if old, gerr := c.js.KeyValue(ctx, name); gerr == nil {
			if st, serr := old.Status(ctx); serr == nil && st.TTL() != ttl {
				return nil, fmt.Errorf("%w: key-value bucket %s has TTL %v, this replica is configured for %v: give every replica the same Config", ErrSetup, name, st.TTL(), ttl)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: key-value bucket %s: %w", ErrSetup, name, err)
	}
	return kv, nil
}

// setupStream finds the stream or creates it, and checks that it was made for
// the same spec and partition count.
func (c *Cluster) setupStream(op func() context.Context) error {
	cfg := c.cfg
	spec := SpecHash()
	s, err := c.js.Stream(op(), cfg.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		sc := jetstream.StreamConfig{
			Name:        cfg.Stream,
			Description: "mluvii webhook events (mluviinats)",
			Subjects:    c.eventSubjects(), // exactly: nothing else is stored
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Replicas:    cfg.StreamReplicas,
			MaxBytes:    cfg.MaxBytes,
			Discard:     jetstream.DiscardNew,
			Metadata:    map[string]string{metaSpec: spec, metaPartitions: strconv.Itoa(cfg.Partitions)},
		}
		if cfg.DuplicateWindow > 0 {
			sc.Duplicates = cfg.DuplicateWindow
		}
		if s, err = c.js.CreateStream(op(), sc); err != nil {
			return fmt.Errorf("%w: stream %s is missing and could not be created: %w", ErrSetup, cfg.Stream, err)
		}
	} else if err != nil {
		return fmt.Errorf("%w: stream %s: %w", ErrSetup, cfg.Stream, err)
	}
	meta := s.CachedInfo().Config.Metadata
	if got := meta[metaSpec]; got != spec {
		return fmt.Errorf("%w: stream %s was made for spec %q, this replica was generated from spec %q: run one version at a time, or give the new one its own Stream and Prefix", ErrSetup, cfg.Stream, got, spec)
	}
	if got := meta[metaPartitions]; got != strconv.Itoa(cfg.Partitions) {
		return fmt.Errorf("%w: stream %s has %s partitions, this replica is configured for %d", ErrSetup, cfg.Stream, got, cfg.Partitions)
	}
	return nil
}

// DispatcherOptions returns the options that make a Dispatcher use c: its
// queue, its response waiter and its waiter registry.
//
// They also bound webhook bodies to what one NATS message carries (the
// server's max_payload, 1 MiB by default, less room for headers): a larger
// body gets 413 at once, where it would otherwise get 503 and be retried by
// mluvii forever. Raise max_payload on the server to take larger bodies.
func (c *Cluster) DispatcherOptions() []DispatcherOption {
	return []DispatcherOption{withQueue(c), withResponseWaiter(c), withWaiterRegistry(c),
		withMaxBodyBytes(max(c.nc.MaxPayload()-headerRoom, 1))}
}

// headerRoom is what a stored event's headers and subject may take of a
// NATS message, besides the body.
const headerRoom = 4 << 10

// Stats returns the counters.
func (c *Cluster) Stats() Stats {
	return Stats{Put: c.stats.put.Load(), Taken: c.stats.taken.Load(), Redelivered: c.stats.redelivered.Load(),
		Skipped: c.stats.skipped.Load(), Acked: c.stats.acked.Load(), AckErrors: c.stats.ackErrors.Load(),
		Offered: c.stats.offered.Load(), PullErrors: c.stats.pullErrors.Load(), Foreign: c.stats.foreign.Load()}
}

// Partition returns the partition of a session: a mix of its bits modulo n.
func Partition(session int64, n int) int {
	x := uint64(session)
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return int(x % uint64(n))
}

// eventSubjects lists the partitions' subjects.
func (c *Cluster) eventSubjects() []string {
	subjects := make([]string, c.cfg.Partitions)
	for p := range subjects {
		subjects[p] = c.eventSubject(p)
	}
	return subjects
}

func (c *Cluster) eventSubject(p int) string { return c.cfg.Prefix + ".events." + strconv.Itoa(p) }

// Put implements Queue: it returns once JetStream has stored e (the publish
// was acknowledged), so the dispatcher acks mluvii only for stored events.
func (c *Cluster) Put(ctx context.Context, e QueuedEvent) error {
	select {
	case <-c.closed:
		return errQueueClosed
	default:
	}
	m := nats.NewMsg(c.eventSubject(Partition(e.SessionID, c.cfg.Partitions)))
	m.Header.Set(hdrSession, strconv.FormatInt(e.SessionID, 10))
	m.Header.Set(hdrName, e.Name)
	m.Header.Set(hdrReceived, strconv.FormatInt(e.Received.UnixNano(), 10))
	m.Data = e.Body
	var opts []jetstream.PublishOpt
	if c.msgID {
		h := sha256.New()
		_ = binary.Write(h, binary.BigEndian, e.SessionID)
		h.Write(e.Body)
		opts = append(opts, jetstream.WithMsgID(hex.EncodeToString(h.Sum(nil)[:16])))
	}
	// The Queue contract: an event is taken whenever there is room, even
	// with ctx done (a body that was slow to arrive). Whether the stream has
	// room only the publish tells, so it gets at least putFloor.
	if deadline, ok := ctx.Deadline(); ctx.Err() != nil || ok && time.Until(deadline) < putFloor {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), putFloor)
		defer cancel()
	}
	if _, err := c.js.PublishMsg(ctx, m, opts...); err != nil {
		if isStreamFull(err) {
			return fmt.Errorf("%w: stream %s: %w", errQueueFull, c.cfg.Stream, err)
		}
		return fmt.Errorf("mluviinats: storing %s of session %d: %w", e.Name, e.SessionID, err)
	}
	c.stats.put.Add(1)
	return nil
}

// putFloor is the least time a publish gets, whatever the caller's context.
const putFloor = 250 * time.Millisecond

// isStreamFull reports whether a publish failed because the stream reached
// MaxBytes (the server's "maximum bytes exceeded", error code 10077).
func isStreamFull(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrMaxBytesExceeded) ||
		errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeStreamFull
}

const errCodeStreamFull jetstream.ErrorCode = 10077

// pull fetches partition p's events one at a time and hands them to Take.
// A pull waits on the server without holding one of the replica's in-flight
// slots (MaxInFlight): an event that arrives waits for a slot instead, kept
// alive by the heartbeat. Holding a slot while waiting on a partition with no
// event left a replica's slots idle while other partitions had events.
func (c *Cluster) pull(p int) {
	defer c.pullers.Done()
	for {
		c.fetch(p)
		select {
		case <-c.closed:
			return
		default:
		}
	}
}

// fetch waits for partition p's next event and, once the replica has a slot
// for it, hands it on.
func (c *Cluster) fetch(p int) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.PullWait)
	defer cancel()
	batch, err := c.cons[p].Fetch(1, jetstream.FetchContext(ctx))
	if err != nil {
		c.pullFailed(p, err)
		return
	}
	var msg jetstream.Msg
	for m := range batch.Messages() {
		msg = m
	}
	if msg == nil {
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			c.pullFailed(p, err)
		}
		return
	}
	meta, err := msg.Metadata()
	if err != nil {
		c.log.Error("mluviinats: event without metadata", "err", err)
		_ = msg.Term()
		return
	}
	seq := meta.Sequence.Stream
	if meta.NumDelivered > 1 {
		c.stats.redelivered.Add(1)
		c.mu.Lock()
		if f, held := c.flights[seq]; held {
			// This replica still holds it (its heartbeats were lost for
			// AckWait: a NATS outage): keep it alive and ack it under the
			// new delivery, and do not hand it out a second time.
			f.msg = msg
			c.flights[seq] = f
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		finished, err := c.isFinished(seq)
		if err != nil {
			// Unknown: running it might run it twice. Deliver it again soon.
			c.log.Warn("mluviinats: looking up a redelivered event; delivered again", "seq", seq, "err", err)
			_ = msg.NakWithDelay(100 * time.Millisecond)
			c.pause()
			return
		}
		if finished {
			c.stats.skipped.Add(1)
			c.ack(seq, msg)
			return
		}
	}
	h := msg.Headers()
	session, err := strconv.ParseInt(h.Get(hdrSession), 10, 64)
	received, _ := strconv.ParseInt(h.Get(hdrReceived), 10, 64)
	if err != nil || Partition(session, c.cfg.Partitions) != p {
		// Not published by Put (someone else with publish rights on the
		// subject): its session would not be ordered with its partition's.
		c.stats.foreign.Add(1)
		c.log.Error("mluviinats: a message Put did not publish, removed", "subject", msg.Subject(), "seq", seq)
		_ = msg.Term()
		return
	}
	f := flight{ev: QueuedEvent{ID: seq, SessionID: session, Name: h.Get(hdrName), Body: msg.Data(), Received: time.Unix(0, received)}, msg: msg}
	c.mu.Lock()
	c.flights[seq] = f // from now on the heartbeat keeps it
	c.mu.Unlock()
	select {
	case c.slots <- struct{}{}:
	case <-c.closed:
		c.mu.Lock()
		delete(c.flights, seq)
		c.mu.Unlock()
		_ = msg.Nak() // another replica takes it at once
		return
	}
	select {
	case c.out <- f:
		return
	case <-c.closed:
		<-c.slots
		c.mu.Lock()
		delete(c.flights, seq)
		c.mu.Unlock()
		_ = msg.Nak() // another replica takes it at once
		return
	}
}

// pullFailed counts and logs a failed pull (at most once a minute per
// partition), makes partition p's consumer again when it was deleted, and
// pauses.
func (c *Cluster) pullFailed(p int, err error) {
	c.stats.pullErrors.Add(1)
	c.mu.Lock()
	logIt := time.Since(c.pullLogged[p]) > time.Minute
	if logIt {
		c.pullLogged[p] = time.Now()
	}
	c.mu.Unlock()
	if logIt {
		c.log.Warn("mluviinats: pulling events", "partition", p, "err", err)
	}
	// A pull to a consumer that is gone finds no responder.
	if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, nats.ErrNoResponders) {
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.OpTimeout)
		cons, cerr := c.js.CreateConsumer(ctx, c.cfg.Stream, c.consumerConfig(p))
		cancel()
		if cerr == nil {
			c.log.Warn("mluviinats: the consumer of a partition did not answer; made sure it exists", "partition", p)
			c.cons[p] = cons // only this partition's puller uses it
			return
		}
		c.log.Error("mluviinats: making a deleted consumer again", "partition", p, "err", cerr)
	}
	c.pause()
}

// pause waits a little after a failed pull (NATS down, reconnecting).
func (c *Cluster) pause() {
	select {
	case <-time.After(100 * time.Millisecond):
	case <-c.closed:
	}
}

// isFinished reports whether the event was run to the end already, here or
// by another replica; an error means it could not tell.
func (c *Cluster) isFinished(seq uint64) (bool, error) {
	c.mu.Lock()
	_, ok := c.finished[seq]
	c.mu.Unlock()
	if ok {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.OpTimeout)
	defer cancel()
	_, err := c.done.Get(ctx, doneKey(seq))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

func doneKey(seq uint64) string { return "e" + strconv.FormatUint(seq, 10) }

// heartbeat tells JetStream that the events this replica holds are still
// being worked on, so that only a replica that stopped responding loses
// them; and forgets finished events after DoneTTL.
//
// It outlives Close while the dispatcher drains: the handlers still running
// keep their events until Done (or until the NATS connection is closed).
func (c *Cluster) heartbeat() {
	t := time.NewTicker(c.cfg.AckWait / 3)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-c.idle:
			return
		}
		if c.nc.IsClosed() {
			return
		}
		now := time.Now()
		c.mu.Lock()
		msgs := make([]jetstream.Msg, 0, len(c.flights))
		for _, f := range c.flights {
			msgs = append(msgs, f.msg)
		}
		for seq, at := range c.finished {
			if now.Sub(at) > c.cfg.DoneTTL {
				delete(c.finished, seq)
			}
		}
		c.mu.Unlock()
		for _, m := range msgs {
			_ = m.InProgress()
		}
	}
}

// Take implements Queue: it returns the next event pulled from any
// partition. After Close it returns ErrQueueClosed; events pulled and not
// taken are given back to JetStream.
func (c *Cluster) Take(ctx context.Context) (QueuedEvent, error) {
	select {
	case f := <-c.out:
		c.stats.taken.Add(1)
		return f.ev, nil
	case <-c.closed:
		return QueuedEvent{}, errQueueClosed
	case <-ctx.Done():
		return QueuedEvent{}, ctx.Err()
	}
}

// Done implements Queue: it records e as finished (in the DONE bucket and in
// memory) and acknowledges it, waiting for JetStream's confirmation. When the
// acknowledgement is lost, the redelivery finds the record and is skipped.
func (c *Cluster) Done(e QueuedEvent) {
	c.mu.Lock()
	f, ok := c.flights[e.ID]
	delete(c.flights, e.ID)
	if ok {
		c.finished[e.ID] = time.Now()
	}
	c.mu.Unlock()
	if !ok {
		return
	}
	// Both calls are retried through a NATS outage (a restart, a dropped
	// connection) for up to AckWait: the record must be stored before
	// another replica gets the event again, or it would run twice.
	if err := c.retry(func(ctx context.Context) error {
		_, err := c.done.Put(ctx, doneKey(e.ID), nil)
		return err
	}); err != nil {
		c.log.Warn("mluviinats: recording a finished event", "seq", e.ID, "err", err)
	}
	if c.ack(e.ID, f.msg) {
		// Acknowledged: JetStream delivers it no more, so only the events
		// whose ack failed stay in memory (for DoneTTL).
		c.mu.Lock()
		delete(c.finished, e.ID)
		c.mu.Unlock()
	}
	<-c.slots
	c.checkIdle()
}

// checkIdle stops the heartbeat once the cluster is closed and holds no event.
func (c *Cluster) checkIdle() {
	select {
	case <-c.closed:
	default:
		return
	}
	c.mu.Lock()
	n := len(c.flights)
	c.mu.Unlock()
	if n == 0 {
		c.idleOne.Do(func() { close(c.idle) })
	}
}

// retry calls op until it succeeds, for up to AckWait, pausing 50 ms
// between calls. Each call is bounded by a quarter of AckWait (at most
// OpTimeout): a request written to a connection that just dropped is lost
// without an answer, and must be sent again well before the event is
// delivered to another replica.
func (c *Cluster) retry(op func(context.Context) error) error {
	deadline := time.Now().Add(c.cfg.AckWait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), min(c.cfg.OpTimeout, c.cfg.AckWait/4, time.Until(deadline)))
		err := op(ctx)
		cancel()
		if err == nil || time.Now().Add(50*time.Millisecond).After(deadline) || c.nc.IsClosed() {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) ack(seq uint64, m jetstream.Msg) bool {
	if err := c.retry(m.DoubleAck); err != nil {
		c.stats.ackErrors.Add(1)
		c.log.Warn("mluviinats: acknowledging a finished event; it will be delivered again and skipped", "seq", seq, "err", err)
		return false
	}
	c.stats.acked.Add(1)
	return true
}

// Len implements Queue: the events this replica holds (pulled, not Done).
// The stream's backlog is not counted.
func (c *Cluster) Len() int { return len(c.slots) }

// Close implements Queue: it stops pulling; Take then returns
// ErrQueueClosed, and Put fails. The events being handled are still kept
// alive (heartbeat) and acknowledged by Done, and the claims of …AndWait
// calls still waiting are kept, so close the NATS connection only after the
// dispatcher's Close.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.stop()
		c.pullers.Wait()
		c.checkIdle()
	})
	return nil
}

// Offer implements ResponseWaiter: it hands a to the replica waiting for it,
// if any, and reports whether that replica took it. It makes one request to
// NATS, answered at once ("no responders") when nobody waits, and bounded by
// OfferTimeout. "No responders" while the WAIT bucket holds a claim for the
// response means the waiting replica is reconnecting (its subscription is
// not back yet): the request is made again until OfferTimeout.
func (c *Cluster) Offer(a Activity) bool {
	deadline := time.Now().Add(c.cfg.OfferTimeout)
	subject, data := c.waitSubject(a.Session(), a.ActivityName()), []byte(a.RawJSON())
	for {
		resp, err := c.nc.Request(subject, data, time.Until(deadline))
		if err == nil {
			if string(resp.Data) != replyTaken {
				return false
			}
			c.stats.offered.Add(1)
			return true
		}
		if !errors.Is(err, nats.ErrNoResponders) || time.Until(deadline) < 2*offerPause ||
			!c.claimed(a.Session(), a.ActivityName(), deadline) {
			return false
		}
		time.Sleep(offerPause)
	}
}

const offerPause = 20 * time.Millisecond

// claimed reports whether some replica claims the session's response.
func (c *Cluster) claimed(session int64, name string, deadline time.Time) bool {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	_, err := c.wait.Get(ctx, claimKey(session, name))
	return err == nil
}

func claimKey(session int64, name string) string {
	return strconv.FormatInt(session, 10) + "." + name
}

const replyTaken = "taken"

func (c *Cluster) waitSubject(session int64, name string) string {
	return c.cfg.Prefix + ".wait." + strconv.FormatInt(session, 10) + "." + name
}

// Reserve implements WaiterRegistry: it claims the session's response in the
// WAIT bucket (ErrInFlight when another replica holds it), keeps the claim
// alive while the call waits, and listens for the response arriving at
// another replica until release.
func (c *Cluster) Reserve(session int64, name string, offer func(Activity) bool) (func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.OpTimeout)
	defer cancel()
	key := claimKey(session, name)
	rev, err := c.wait.Create(ctx, key, []byte(c.nc.ConnectedServerId()))
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("mluviinats: %s of session %d is awaited by another replica: %w", name, session, errInFlight)
		}
		return nil, fmt.Errorf("mluviinats: claiming %s of session %d: %w", name, session, err)
	}
	cl := &claim{c: c, key: key, rev: rev, stop: make(chan struct{}), stopped: make(chan struct{})}
	sub, err := c.nc.Subscribe(c.waitSubject(session, name), func(m *nats.Msg) {
		reply := "no"
		if a, err := decode(m.Data); err == nil && offer(a) {
			reply = replyTaken
		}
		_ = m.Respond([]byte(reply))
	})
	if err == nil {
		// The server must know the subscription before the request is sent.
		err = c.nc.FlushWithContext(ctx)
	}
	if err != nil {
		if sub != nil {
			_ = sub.Unsubscribe()
		}
		close(cl.stopped)
		cl.release()
		return nil, fmt.Errorf("mluviinats: listening for %s of session %d: %w", name, session, err)
	}
	go cl.keepAlive()
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = sub.Unsubscribe()
			close(cl.stop)
			<-cl.stopped
			cl.release()
		})
	}, nil
}

// claim is one …AndWait's key in the WAIT bucket. It is rewritten every
// WaitTTL/3 while the call waits, so that a wait longer than WaitTTL (a
// file upload prompt the guest takes minutes to answer) keeps it, while the
// claim of a replica that died expires after WaitTTL.
type claim struct {
	c             *Cluster
	key           string
	rev           uint64 // the revision written last; only keepAlive writes it until stopped
	stop, stopped chan struct{}
}

func (cl *claim) keepAlive() {
	defer close(cl.stopped)
	t := time.NewTicker(cl.c.cfg.WaitTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-cl.stop:
			return
		}
		// Not stopped by Close: a handler blocked in …AndWait while the
		// dispatcher drains still holds its claim.
		if cl.c.nc.IsClosed() || !cl.refresh() {
			return
		}
	}
}

// refresh rewrites the claim and reports whether it is still this call's.
// A claim that expired during a NATS outage longer than WaitTTL is made
// again, unless another replica claimed the key meanwhile.
func (cl *claim) refresh() bool {
	c := cl.c
	ctx, cancel := context.WithTimeout(context.Background(), min(c.cfg.OpTimeout, c.cfg.WaitTTL/3))
	defer cancel()
	value := []byte(c.nc.ConnectedServerId())
	rev, err := c.wait.Update(ctx, cl.key, value, cl.rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		rev, err = c.wait.Create(ctx, cl.key, value)
		if errors.Is(err, jetstream.ErrKeyExists) {
			c.log.Warn("mluviinats: a wait claim expired and another replica claimed it", "key", cl.key)
			return false
		}
	}
	if err != nil {
		c.log.Warn("mluviinats: keeping a wait claim alive; retried", "key", cl.key, "err", err)
		return true
	}
	cl.rev = rev
	return true
}

// release deletes the claim, unless it expired and another replica claimed
// the key since: that claim is not this one's to delete.
func (cl *claim) release() {
	ctx, cancel := context.WithTimeout(context.Background(), cl.c.cfg.OpTimeout)
	defer cancel()
	err := cl.c.wait.Delete(ctx, cl.key, jetstream.LastRevision(cl.rev))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		cl.c.log.Warn("mluviinats: releasing a wait claim; it expires after WaitTTL", "key", cl.key, "err", err)
	}
}

// SessionStore returns a store for SessionState that keeps each session's
// state in the STATE bucket, so that whichever replica runs a session's next
// event sees what the last one saved (the partitions run a session's events
// one at a time across replicas). A state unchanged for SessionTTL expires
// with the bucket's TTL; OnEnd is not told of that.
//
//	state := mluvii.NewSessionState[flow](mluvii.WithSessionStore(c.SessionStore()))
func (c *Cluster) SessionStore() SessionStore { return kvSessions{c} }

type kvSessions struct{ c *Cluster }

func stateKey(session int64) string { return "s" + strconv.FormatInt(session, 10) }

func (s kvSessions) Load(ctx context.Context, session int64) ([]byte, error) {
	e, err := s.c.state.Get(ctx, stateKey(session))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return e.Value(), nil
}

func (s kvSessions) Save(ctx context.Context, session int64, state []byte) error {
	_, err := s.c.state.Put(ctx, stateKey(session), state)
	return err
}

func (s kvSessions) Delete(ctx context.Context, session int64) error {
	return s.c.state.Purge(ctx, stateKey(session))
}

var _ io.Closer = (*Cluster)(nil)
