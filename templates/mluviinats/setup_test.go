package mluviinats

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestSetupErrors: a bad set-up fails in New with ErrSetup and a message
// saying what is wrong; nothing falls back to memory.
func TestSetupErrors(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	ctx := context.Background()

	closed := ts.connect(t)
	closed.Close()
	if _, err := New(ctx, closed, testConfig()); !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("closed connection: %v", err)
	}

	// A server without JetStream.
	plain, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go plain.Start()
	defer plain.WaitForShutdown()
	defer plain.Shutdown()
	if !plain.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	noJS, err := nats.Connect(plain.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer noJS.Close()
	if _, err := New(ctx, noJS, testConfig()); !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "JetStream is not available") {
		t.Errorf("server without JetStream: %v", err)
	}

	nc := ts.connect(t)
	defer nc.Close()
	js, _ := jetstream.New(nc)
	// A stream of that name made by a replica of another spec.
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "OTHER_EVENTS", Subjects: []string{"other.events.*"},
		Metadata: map[string]string{metaSpec: "0123456789abcdef", metaPartitions: "8"}}); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Prefix = "other"
	if _, err := New(ctx, nc, cfg); !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "spec") {
		t.Errorf("another spec's stream: %v", err)
	}
	// Another partition count.
	c, err := New(ctx, nc, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	cfg = testConfig()
	cfg.Partitions = 16
	if _, err := New(ctx, nc, cfg); !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "partitions") {
		t.Errorf("another partition count: %v", err)
	}
	// The stream missing and not creatable: its subjects overlap another's.
	cfg = testConfig()
	cfg.Stream = "CLASH"
	if _, err := New(ctx, nc, cfg); !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "could not be created") {
		t.Errorf("stream not creatable: %v", err)
	}
}
