package mluvii

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TokenSource supplies the bearer tokens of a Client's calls. Token is called
// before every call and must be safe for concurrent use; cache inside it.
//
// A TokenSource that also has a method Invalidate(token string) is told when
// mluvii answered 401 to token, so its next Token returns a fresh one; the
// client then repeats the call once.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TokenSourceFunc adapts a function to TokenSource.
type TokenSourceFunc func(ctx context.Context) (string, error)

// Token calls f.
func (f TokenSourceFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// StaticToken is a TokenSource that always returns the same token.
func StaticToken(token string) TokenSource {
	return TokenSourceFunc(func(context.Context) (string, error) { return token, nil })
}

const (
	// defaultTokenLifetime applies when the token answer has no expires_in;
	// mluvii documents its tokens as valid for one hour.
	defaultTokenLifetime = time.Hour
	// maxTokenSkew is how long before expires_in a token is refreshed.
	maxTokenSkew = 30 * time.Second
	// maxTokenLifetime caps expires_in: a larger value (or Infinity) would
	// overflow time.Duration into the past and make every call fetch a
	// token. A token revoked earlier is refreshed on its 401 anyway.
	maxTokenLifetime = 24 * time.Hour
)

// credentials is the client-credentials TokenSource: it caches the token and
// makes concurrent callers share one refresh.
type credentials struct {
	id, secret, scope string
	client            *Client // for the HTTP client, retry policy and logger

	cached atomic.Pointer[cachedToken] // read without locking on every call

	mu     sync.Mutex
	flight *tokenFlight // the refresh in progress, if any
}

type cachedToken struct {
	token   string
	refresh time.Time // when to fetch a new one
}

type tokenFlight struct {
	done  chan struct{}
	token string
	err   error
	// leaderGaveUp records that the leader's own ctx had ended when the fetch
	// returned. Only then may a waiter lead a new fetch: an error that merely
	// matches context.DeadlineExceeded (http.Client.Timeout on an attempt)
	// is the fetch's result, shared by everyone waiting on it.
	leaderGaveUp bool
}

// String and LogValue keep the secret out of prints and logs.
func (s *credentials) String() string { return "mluvii client credentials for " + s.id }

// LogValue implements slog.LogValuer.
func (s *credentials) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Token returns the cached token, or fetches one. Concurrent callers wait for
// one fetch and share its result, error included. Only if the caller leading
// it gives up (its own ctx ends) does a waiter whose ctx is still alive lead
// the next one, so no goroutine is needed.
func (s *credentials) Token(ctx context.Context) (string, error) {
	for {
		if t := s.cached.Load(); t != nil && time.Now().Before(t.refresh) {
			return t.token, nil
		}
		s.mu.Lock()
		if t := s.cached.Load(); t != nil && time.Now().Before(t.refresh) {
			s.mu.Unlock()
			return t.token, nil
		}
		f := s.flight
		if f == nil {
			f = &tokenFlight{done: make(chan struct{})}
			s.flight = f
			s.mu.Unlock()
			s.lead(ctx, f)
			return f.token, f.err
		}
		s.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		if f.err == nil {
			return f.token, nil
		}
		if !f.leaderGaveUp || ctx.Err() != nil {
			return "", f.err
		}
	}
}

// lead fetches a token for everyone waiting on f. The flight ends even if
// the fetch panics (in a user's http.RoundTripper, say), so that waiters and
// later callers are not stuck behind it.
func (s *credentials) lead(ctx context.Context, f *tokenFlight) {
	var t *cachedToken
	f.err = errTokenFetchPanicked // replaced unless fetch panics
	defer func() {
		if t != nil {
			f.token = t.token
		}
		s.mu.Lock()
		if f.err == nil {
			s.cached.Store(t)
		}
		s.flight = nil
		s.mu.Unlock()
		close(f.done)
	}()
	t, f.err = s.fetch(ctx)
	f.leaderGaveUp = f.err != nil && ctx.Err() != nil
}

var errTokenFetchPanicked = errors.New("mluvii: token: the fetch panicked")

// Invalidate drops token if it is still the cached one, so that several
// callers rejected with the same token cause a single refresh.
func (s *credentials) Invalidate(token string) {
	if t := s.cached.Load(); t != nil && t.token == token {
		s.cached.CompareAndSwap(t, nil)
	}
}

// fetch asks the token endpoint for a token (retried like a safe call).
func (s *credentials) fetch(ctx context.Context) (*cachedToken, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.id},
		"client_secret": {s.secret},
		// mluvii's docs and samples send it; harmless for an OAuth2 server.
		"response_type": {"token"},
	}
	if s.scope != "" {
		form.Set("scope", s.scope)
	}
	start := time.Now()
	body, err := s.client.call(ctx, &call{
		endpoint: "token", method: http.MethodPost, url: s.client.base + "/login/connect/token",
		contentType: "application/x-www-form-urlencoded", body: []byte(form.Encode()),
		safe: true, wantBody: true,
	})
	if err != nil {
		return nil, err
	}
	var answer struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, fmt.Errorf("mluvii: token: decoding the answer: %w", err)
	}
	if answer.AccessToken == "" {
		return nil, errors.New("mluvii: token: the answer has no access_token")
	}
	life := defaultTokenLifetime
	if secs, err := strconv.ParseFloat(strings.Trim(string(answer.ExpiresIn), `"`), 64); err == nil && secs > 0 {
		life = time.Duration(min(secs, maxTokenLifetime.Seconds()) * float64(time.Second))
	}
	// Refresh a little early (at most 30 s, a tenth of short lifetimes) so a
	// token does not expire between the check and mluvii's.
	skew := min(maxTokenSkew, life/10)
	s.client.logf(ctx, slog.LevelDebug, "mluvii: token fetched", &call{endpoint: "token"}, slog.Duration("expiresIn", life))
	return &cachedToken{token: answer.AccessToken, refresh: start.Add(life - skew)}, nil
}
