package mluviitest

import (
	"context"
	"strings"
	"testing"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// TestTLSServer: a bot whose client trusts TLSClient talks to a NewTLSServer
// over https: token, activity, and the fake's own URLs are https; a client
// that does not trust the certificate fails.
func TestTLSServer(t *testing.T) {
	srv := NewTLSServer(t)
	if !strings.HasPrefix(srv.URL, "https://") || srv.Certificate() == nil {
		t.Fatalf("URL %s, certificate %v", srv.URL, srv.Certificate())
	}
	d := mluvii.NewDispatcher(mluvii.WithDispatchLogger(nil))
	srv.ServeBot(d, "/mluvii")
	se, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err != nil {
		t.Fatal(err)
	}
	client := mluvii.NewClient(srv.URL, srv.ChatbotID,
		mluvii.WithClientCredentials(srv.ClientID, srv.ClientSecret), mluvii.WithHTTPClient(srv.TLSClient()))
	if err := client.SendText(context.Background(), se.ID(), "over https"); err != nil {
		t.Fatalf("SendText over https: %v", err)
	}
	se.AssertBotSaid("over https")
	plain := mluvii.NewClient(srv.URL, srv.ChatbotID, mluvii.WithClientCredentials(srv.ClientID, srv.ClientSecret),
		mluvii.WithRetryPolicy(mluvii.RetryPolicy{MaxAttempts: 1}))
	if err := plain.SendText(context.Background(), se.ID(), "x"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client that does not trust the certificate: %v", err)
	}
	// A safe activity is retried on network errors, but not on a refused
	// certificate: trying again cannot change the answer.
	retrying := mluvii.NewClient(srv.URL, srv.ChatbotID, mluvii.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	if err := retrying.Typing(context.Background(), se.ID(), true); err == nil || strings.Contains(err.Error(), "attempts") {
		t.Errorf("a certificate error was retried: %v", err)
	}
	if NewServer(t).Certificate() != nil {
		t.Error("a plain server has a certificate")
	}
}
