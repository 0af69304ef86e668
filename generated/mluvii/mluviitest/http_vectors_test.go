package mluviitest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// readHTTPVector parses one of the recorded HTTP exchanges (testdata of the
// parent package) into a request aimed at base.
func readHTTPVector(t *testing.T, name, base string) *http.Request {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	// The recordings carry no Content-Length: the body is what follows the
	// blank line.
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	head, body, _ := bytes.Cut(raw, []byte("\n\n"))
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(append(head, "\n\n"...))))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out, err := http.NewRequest(req.Method, base+req.URL.RequestURI(), bytes.NewReader(bytes.TrimSpace(body)))
	if err != nil {
		t.Fatal(err)
	}
	out.Header = req.Header
	return out
}

// TestRecordedHTTPExchanges replays the recorded token request and activity
// POST against the fake, exactly as a third-party client sends them
// (response_type=token in the form, JSON with a charset), and the recorded
// callback POST against a generated dispatcher with the secret in the
// access_token query parameter.
func TestRecordedHTTPExchanges(t *testing.T) {
	srv := NewServer(t, WithChatbotID(2005), WithCredentials("9d1e0c7b5a3f4e21", "s3cr3t-Zk8/q+1"))

	// The bot's webhook: a generated dispatcher.
	d := mluvii.NewDispatcher(mluvii.WithCallbackSecret("cb-7Qm2xV9"), mluvii.WithSecretParam("access_token"),
		mluvii.WithDispatchLogger(nil))
	got := make(chan mluvii.Activity, 4)
	d.OnText(func(_ context.Context, a *mluvii.Text) error { got <- a; return nil })
	d.OnGetAvailableOperatorsResponse(func(_ context.Context, a *mluvii.GetAvailableOperatorsResponse) error { got <- a; return nil })
	bot := httptest.NewServer(d)
	t.Cleanup(func() { bot.Close(); _ = d.Close(context.Background()) })
	srv.SetCallbackURL(bot.URL + "/mluvii/callback?access_token=cb-7Qm2xV9")

	// Token: the form as mluvii's samples send it; the answer has the shape
	// of the recorded one.
	resp, err := http.DefaultClient.Do(readHTTPVector(t, "http.TokenRequest.txt", srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %v %v", resp.StatusCode, tok, err)
	}
	resp.Body.Close()
	var want map[string]any
	raw, _ := os.ReadFile(filepath.Join("..", "testdata", "vectors", "http.TokenResponse.json"))
	_ = json.Unmarshal(raw, &want)
	for k := range want {
		if _, ok := tok[k]; !ok && k != "scope" { // scope "may or may not be present"
			t.Errorf("token answer lacks %q: %v", k, tok)
		}
	}

	// Activity POST with that token, for a session of the recorded id.
	if _, err := srv.StartConversation(mluvii.ChannelWebChat, SessionID(4815162342)); err != nil {
		t.Fatal(err)
	}
	req := readHTTPVector(t, "http.ActivityPost.txt", srv.URL)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("activity POST: %d %s", resp.StatusCode, body)
	}

	// The recorded callback POST reaches the dispatcher and is acked.
	resp, err = http.DefaultClient.Do(readHTTPVector(t, "http.CallbackPost.txt", bot.URL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("callback POST: %d", resp.StatusCode)
	}

	var names []string
	for len(names) < 2 { // ConversationStarted is not handled; Text and the response are
		select {
		case a := <-got:
			names = append(names, a.ActivityName())
			if a.Session() != 4815162342 {
				t.Errorf("%s for session %d", a.ActivityName(), a.Session())
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("handlers got %v, want the operators response and the recorded Text", names)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{mluvii.ActivityGetAvailableOperatorsResponse, mluvii.ActivityText}) {
		t.Errorf("handlers got %v", names)
	}
	srv.AssertNoRejections()
}
