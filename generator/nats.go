package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// natsGlue emits the spec-driven part of the NATS JetStream subpackage: the
// names of the generated package its runtime files (templates/mluviinats)
// use, which they cannot import by path since the generated package's
// import path is the user's.
func (g *gen) natsGlue(f *jen.File) {
	pkg := g.opts.ImportPath
	if pkg == "" {
		pkg = g.pkg
	}
	f.ImportName(pkg, g.pkg)
	f.PackageComment(fmt.Sprintf(`Package %s runs the dispatcher of package %s on NATS JetStream, so that
several replicas of a bot behind a load balancer share one queue, keep each
session's events in order across replicas, and answer each other's …AndWait
calls. It is generated only when asked for (mluviigen --with nats), and it is
the only generated package that imports a module beyond the standard library
(github.com/nats-io/nats.go).

# Production set-up

Run NATS with JetStream (nats-server -js; a 3-node cluster for a bank's line,
with Config.StreamReplicas 3). Run 2 or more replicas of the bot behind a
load balancer; each connects and hands its Cluster to its dispatcher:

	nc, err := nats.Connect("nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222",
		nats.MaxReconnects(-1))
	c, err := %[1]s.New(ctx, nc, %[1]s.Config{Prefix: "mybot"}) // fails loudly, never falls back to memory
	state := %[2]s.NewSessionState[flow](%[2]s.WithSessionStore(c.SessionStore())) // seen by every replica
	d := %[2]s.NewDispatcher(append(c.DispatcherOptions(), %[2]s.WithCallbackSecret(secret),
		%[2]s.WithSessionState(state))...)
	client := %[2]s.NewClient(base, chatbotID, %[2]s.WithDispatcher(d), …)
	// on shutdown: d.Close(ctx), then nc.Close()

New creates the stream MYBOT_EVENTS (subjects mybot.events.<partition>) and
the key-value buckets MYBOT_EVENTS_DONE, MYBOT_EVENTS_WAIT and
MYBOT_EVENTS_STATE (session state) when they are missing, and refuses
(ErrSetup) a stream made for another spec or partition count, and consumers
or buckets made with another AckWait or TTL: give every replica the same
Config. In mluvii configure one callback URL: the load balancer's. Every
replica must register the same handlers: an event may run on any. A webhook
body larger than one NATS message (the server's max_payload, 1 MiB by
default) is answered 413: raise max_payload to take larger ones.

# Design

Put publishes the webhook to the stream, on subject
<prefix>.events.<hash(session) mod Partitions>, and returns after JetStream's
publish acknowledgement: mluvii gets 200 only for a stored event. The
Nats-Msg-Id header (a hash of session and body) lets the stream drop a webhook
mluvii sent again within DuplicateWindow, whichever replica got it.

Each partition has a durable pull consumer with MaxAckPending 1: JetStream
itself lets one event of a partition be outstanding at a time, cluster-wide,
whichever replica pulled it; so a session's events run one after another, in
arrival order, across replicas, and different partitions run in parallel on
every replica. This needs no lease or pinned client to be handed over: a
replica that dies holding an event stops sending its in-progress heartbeats
(every AckWait/3), and after AckWait JetStream delivers the event to another
replica. Sessions that hash to one partition wait for each other: keep
Partitions well above the number of events handled at once (default 64).

A finished event is recorded in the DONE bucket before it is acknowledged
with a confirmed ack (DoubleAck); both are retried through a NATS outage, and
an event whose ack failed is remembered in memory too. A replica that is
closing keeps its heartbeats going until its dispatcher has drained, so a
rolling deploy does not hand a running event to another replica. A redelivered event is looked up there first and, when it ran to the
end already, acknowledged without running again. An event whose replica died
during its handler runs again elsewhere: handlers see at least once, never
twice to the end unless a replica dies between the end of a handler and the
record, or is cut off from NATS for longer than AckWait while its handler
runs (another replica then runs the event too). Stats counts redeliveries,
pull errors and messages on the event subjects that Put did not publish
(removed: the stream takes only the partitions' subjects).

…AndWait on replica A claims "<session>.<response>" in the WAIT bucket
(create-only: ErrInFlight cluster-wide), rewrites the claim every WaitTTL/3
while the call waits (a guest may take minutes to answer an upload prompt),
and subscribes to <prefix>.wait.<session>.<response>. The claim of a replica
that died expires after WaitTTL (the bucket's TTL). A response landing on
replica B is offered there by a NATS request: A answers "taken" when its
waiter got it. No responders while no claim exists, or no
answer within OfferTimeout, means nobody waits, and the response is queued
for its handler; no responders while a claim exists means the waiting
replica is reconnecting, and the offer is made again until OfferTimeout.`, NATSPackage, g.pkg))
	for _, name := range []string{"Activity", "ActivityInfo", "Dispatcher", "DispatcherOption", "Queue", "QueuedEvent", "ResponseWaiter", "SessionStore", "WaiterRegistry", "Waiters"} {
		f.Comment(fmt.Sprintf("%s is %s.%s.", name, g.pkg, name))
		f.Type().Id(name).Op("=").Qual(pkg, name)
	}
	f.Var().Defs(
		jen.Comment("decode is "+g.pkg+".Decode."),
		jen.Id("decode").Op("=").Qual(pkg, "Decode"),
		jen.Comment("errQueueClosed is "+g.pkg+".ErrQueueClosed."),
		jen.Id("errQueueClosed").Op("=").Qual(pkg, "ErrQueueClosed"),
		jen.Comment("errInFlight is "+g.pkg+".ErrInFlight."),
		jen.Id("errInFlight").Op("=").Qual(pkg, "ErrInFlight"),
		jen.Comment("lookupActivity is "+g.pkg+".LookupActivity."),
		jen.Id("lookupActivity").Op("=").Qual(pkg, "LookupActivity"),
	)
	// More names, one per line so that adding one stays a one-line change.
	for _, n := range [][2]string{
		{"activities", "Activities"},
		{"errQueueFull", "ErrQueueFull"},
		{"defaultSessionTTL", "DefaultSessionTTL"},
		{"withQueue", "WithQueue"},
		{"withResponseWaiter", "WithResponseWaiter"},
		{"withWaiterRegistry", "WithWaiterRegistry"},
		{"withMaxBodyBytes", "WithMaxBodyBytes"},
	} {
		f.Comment(fmt.Sprintf("%s is %s.%s.", n[0], g.pkg, n[1]))
		f.Var().Id(n[0]).Op("=").Qual(pkg, n[1])
	}
}
