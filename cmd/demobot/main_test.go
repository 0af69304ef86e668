package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

func TestParseArgs(t *testing.T) {
	env := map[string]string{"MLUVII_BASE_URL": "http://env", "MLUVII_CHATBOT_ID": "9", "MLUVII_CALLBACK_SECRET": "s"}
	o, err := parseArgs([]string{"--client-id", "flag-id", "--path", "hook"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := o.cfg
	if c.BaseURL != "http://env" || c.ChatbotID != 9 || c.ClientID != "flag-id" || c.ClientSecret != "mluvii-mock-secret" ||
		c.CallbackSecret != "s" || o.listen != "127.0.0.1:8080" || o.path != "/hook" {
		t.Errorf("options = %+v", o)
	}
	// Flags win over the environment.
	o, _ = parseArgs([]string{"--base-url", "http://flag"}, func(k string) string { return env[k] }, io.Discard)
	if o.cfg.BaseURL != "http://flag" {
		t.Errorf("base URL = %q", o.cfg.BaseURL)
	}
	for _, args := range [][]string{{"--chatbot-id", "x"}, {"--client-id", ""}, {"extra"}, {"--nope"}} {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, func(string) string { return "" }, io.Discard, &stderr); code != 2 {
			t.Errorf("run %q = %d (%s), want 2", args, code, stderr.String())
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRun runs the command against a fake mluvii: it registers its callback
// URL, greets, and stops cleanly when its context ends.
func TestRun(t *testing.T) {
	s := mluviitest.NewServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	args := []string{"--base-url", s.URL, "--chatbot-id", "2005", "--client-id", s.ClientID, "--client-secret", s.ClientSecret,
		"--listen", "127.0.0.1:0", "--callback-secret", "x", "--set-callback-url", "http://127.0.0.1:1/registered?secret=x"}
	code := make(chan int, 1)
	go func() { code <- run(ctx, args, func(string) string { return "" }, &stdout, &stderr) }()
	re := regexp.MustCompile(`webhook on (http://127\.0\.0\.1:\d+)/mluvii`)
	deadline := time.Now().Add(10 * time.Second)
	for re.FindStringSubmatch(stdout.String()) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no webhook address in %q (stderr %q)", stdout.String(), stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	target := re.FindStringSubmatch(stdout.String())[1]
	for s.CallbackURL() != "http://127.0.0.1:1/registered?secret=x" {
		if time.Now().After(deadline) {
			t.Fatalf("callback URL not set: %q", s.CallbackURL())
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.SetCallbackURL(target + "/mluvii?secret=x")
	se, err := s.StartConversation(mluvii.ChannelWebChat)
	if err != nil {
		t.Fatal(err)
	}
	se.ExpectText()
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("run = %d; stderr:\n%s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return")
	}
	if strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", stderr.String())
	}
}
