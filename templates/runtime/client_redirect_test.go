package mluvii

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// redirectServers is a mluvii whose endpoint from redirects with status to
// the same path on another host, which counts what reaches it.
func redirectServers(t *testing.T, from string, status int) (main *rawServer, other *httptest.Server, reached *atomic.Int64) {
	t.Helper()
	reached = new(atomic.Int64)
	other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"tok-stolen","expires_in":3600}`)
	}))
	t.Cleanup(other.Close)
	main = newRawServer(t)
	inner := main.Server.Config.Handler
	var mainHits atomic.Int64
	main.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method+" "+r.URL.Path == from {
			mainHits.Add(1)
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), status)
			return
		}
		inner.ServeHTTP(w, r)
	})
	t.Cleanup(func() {
		if n := mainHits.Load(); n != 1 {
			t.Errorf("%s was requested %d times, want 1 (a refused redirect is not retried)", from, n)
		}
	})
	return main, other, reached
}

// TestClientRefusesCrossHostRedirects: no call follows a redirect to another
// host (scheme, host or port), so the client secret in the token form (a 307
// or 308 keeps the body), the bearer token and the activity never reach it.
func TestClientRefusesCrossHostRedirects(t *testing.T) {
	calls := map[string]func(c *Client) error{
		"POST /login/connect/token": func(c *Client) error { return c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}) },
		"POST /api/v1/Chatbot/2005/activity": func(c *Client) error {
			return c.Send(t.Context(), &GetAvailableGroups{SessionID: 1})
		},
		"PUT /api/v1/Chatbot/2005": func(c *Client) error {
			return c.SetCallbackURL(t.Context(), "https://bot.example.cz/hook?secret=cb-7Qm2xV9")
		},
	}
	for from, call := range calls {
		for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound, http.StatusMovedPermanently} {
			t.Run(fmt.Sprintf("%s %d", from, status), func(t *testing.T) {
				main, other, reached := redirectServers(t, from, status)
				err := call(main.client())
				if n := reached.Load(); n != 0 {
					t.Errorf("the other host got %d requests, want none", n)
				}
				if err == nil {
					t.Fatal("the call succeeded")
				}
				if !errors.Is(err, ErrRedirectRefused) || !strings.Contains(err.Error(), other.Listener.Addr().String()) {
					t.Errorf("err = %v, want ErrRedirectRefused naming %s", err, other.Listener.Addr())
				}
				for _, secret := range []string{clientSecretForTests, "tok-a", "cb-7Qm2xV9"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("err shows %q: %v", secret, err)
					}
				}
			})
		}
	}
}

// TestClientFollowsSameHostRedirects: redirects within the host still work,
// a user's CheckRedirect is still asked (and may refuse), and the user's
// *http.Client is not changed.
func TestClientFollowsSameHostRedirects(t *testing.T) {
	s := newRawServer(t)
	inner := s.Server.Config.Handler
	var redirected atomic.Int64
	s.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if moved, ok := strings.CutPrefix(r.URL.Path, "/old"); ok {
			redirected.Add(1)
			http.Redirect(w, r, moved, http.StatusPermanentRedirect)
			return
		}
		inner.ServeHTTP(w, r)
	})
	var asked atomic.Int64
	hc := &http.Client{Transport: s.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		asked.Add(1)
		return nil
	}}
	c := NewClient(s.URL+"/old", 2005, WithClientCredentials("bot", clientSecretForTests), WithHTTPClient(hc))
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err != nil {
		t.Fatal(err)
	}
	if s.tokens.Load() != 1 || s.activities.Load() != 1 || redirected.Load() != 2 || asked.Load() != 2 {
		t.Fatalf("tokens %d, activities %d, redirects %d, user's CheckRedirect asked %d; want 1, 1, 2, 2",
			s.tokens.Load(), s.activities.Load(), redirected.Load(), asked.Load())
	}
	// The user's own CheckRedirect is unchanged: it still lets a redirect to
	// another host through.
	req, _ := http.NewRequest(http.MethodGet, "http://elsewhere.example/", nil)
	via, _ := http.NewRequest(http.MethodGet, s.URL, nil)
	if err := hc.CheckRedirect(req, []*http.Request{via}); err != nil || asked.Load() != 3 {
		t.Fatalf("the user's CheckRedirect now says %v (asked %d times, want 3): NewClient changed it", err, asked.Load())
	}
	// The user's refusal is kept.
	refuse := func(*http.Request, []*http.Request) error { return errors.New("user says no") }
	c = NewClient(s.URL+"/old", 2005, WithTokenSource(StaticToken("tok-static")),
		WithHTTPClient(&http.Client{Transport: s.Client().Transport, CheckRedirect: refuse}),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err == nil || !strings.Contains(err.Error(), "user says no") {
		t.Fatalf("err = %v, want the user's CheckRedirect error", err)
	}
	// A client given no CheckRedirect keeps none.
	plain := &http.Client{Transport: s.Client().Transport}
	c = NewClient(s.URL+"/old", 2005, WithTokenSource(StaticToken("tok-static")), WithHTTPClient(plain))
	if err := c.Send(t.Context(), &GetAvailableGroups{SessionID: 1}); err != nil {
		t.Fatal(err)
	}
	if plain.CheckRedirect != nil {
		t.Fatal("NewClient set CheckRedirect on the user's http.Client")
	}
}
