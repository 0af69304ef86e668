package mluvii

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Client sends activities to mluvii: POST {base}/api/v1/Chatbot/{chatbotId}/activity
// with a bearer token. It is safe for concurrent use; make one per chatbot and
// share it.
//
// Besides Send, the client has one method per activity a bot sends (with the
// activity's required fields as parameters and its optional fields as
// options), and an …AndWait method per request that mluvii answers. A package
// generated for some channels (mluviigen --channel) leaves out the methods of
// activities those channels do not support: ClientChannels and the package
// doc list them, and Send still takes every activity.
type Client struct {
	chatbotID   int64
	base        string // without a trailing slash
	activityURL string
	chatbotURL  string
	http        *http.Client
	tokens      TokenSource
	creds       *credentials // set by WithClientCredentials; becomes tokens
	log         *slog.Logger // nil: no logging
	retry       RetryPolicy
	userAgent   string
	waiters     *Waiters
	recorder    *Recorder // WithClientRecorder, or the dispatcher's (record.go)
	recorderSet bool
}

// A ClientOption configures a Client.
type ClientOption func(*Client)

// DefaultUserAgent is sent when WithUserAgent is not given.
const DefaultUserAgent = "mluviigen-client/1"

// NewClient returns a client for the chatbot chatbotID of the mluvii
// installation at baseURL (https://app.mluvii.com for the cloud). Without
// WithClientCredentials or WithTokenSource every call fails with
// ErrNoCredentials.
func NewClient(baseURL string, chatbotID int64, opts ...ClientOption) *Client {
	base := strings.TrimRight(baseURL, "/")
	id := strconv.FormatInt(chatbotID, 10)
	c := &Client{
		chatbotID:   chatbotID,
		base:        base,
		activityURL: base + "/api/v1/Chatbot/" + id + "/activity",
		chatbotURL:  base + "/api/v1/Chatbot/" + id,
		http:        &http.Client{Timeout: 30 * time.Second},
		retry:       DefaultRetryPolicy,
		userAgent:   DefaultUserAgent,
	}
	for _, o := range opts {
		o(c)
	}
	c.http = sameHostRedirects(c.http)
	c.retry = c.retry.withDefaults()
	if c.tokens == nil && c.creds != nil {
		c.creds.client = c
		c.tokens = c.creds
	}
	return c
}

// WithClientCredentials makes the client fetch its tokens with the OAuth2
// client-credentials grant from POST {base}/login/connect/token, using the API
// key (client id and secret) from mluvii's administration; the key needs the
// chatbot permission. Scopes are optional (mluvii's own samples send none).
// Tokens are cached until shortly before they expire, and concurrent callers
// share one refresh. The secret is never logged.
func WithClientCredentials(clientID, clientSecret string, scopes ...string) ClientOption {
	return func(c *Client) {
		c.creds = &credentials{id: clientID, secret: clientSecret, scope: strings.Join(scopes, " ")}
	}
}

// WithTokenSource makes the client take its bearer tokens from ts instead of
// fetching them itself. It takes precedence over WithClientCredentials.
func WithTokenSource(ts TokenSource) ClientOption {
	return func(c *Client) { c.tokens = ts }
}

// WithHTTPClient sets the HTTP client used for every call (default: one with a
// 30 s timeout per attempt). The client uses a shallow copy of hc whose
// CheckRedirect refuses redirects to another scheme, host or port (the error
// is ErrRedirectRefused) and then asks hc's own CheckRedirect, if any; hc
// itself is not changed.
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithClientLogger makes the client log its calls, retries and token
// refreshes to l. Tokens, secrets and callback URL query values are never
// logged; neither are activity bodies.
func WithClientLogger(l *slog.Logger) ClientOption {
	return func(c *Client) { c.log = l }
}

// WithRetryPolicy sets how activities marked safe to retry are retried;
// zero fields keep their defaults. MaxAttempts 1 disables retries.
func WithRetryPolicy(p RetryPolicy) ClientOption {
	return func(c *Client) { c.retry = p }
}

// WithUserAgent sets the User-Agent header of every call.
func WithUserAgent(ua string) ClientOption {
	return func(c *Client) { c.userAgent = ua }
}

// WithWaiters makes …AndWait methods wait on w, the registry the webhook
// dispatcher offers responses to. Use WithDispatcher when the dispatcher runs
// in the same process.
func WithWaiters(w *Waiters) ClientOption {
	return func(c *Client) { c.waiters = w }
}

// WithDispatcher makes …AndWait methods wait for the responses d receives at
// the webhook: the client registers with d.Waiters().
func WithDispatcher(d *Dispatcher) ClientOption {
	return func(c *Client) {
		if d != nil {
			c.waiters = d.Waiters()
			if !c.recorderSet {
				c.recorder = d.cfg.recorder
			}
		}
	}
}

// ChatbotID returns the chatbot the client sends as.
func (c *Client) ChatbotID() int64 { return c.chatbotID }

// ErrRedirectRefused is wrapped by the error of a call that mluvii (or
// something in between) redirected to another origin: another scheme, host or
// port. Such redirects are not followed, for any call, so that the client
// secret (a 307 or 308 re-sends the token form), the bearer token and the
// activity never reach another host; the call is not retried either. The
// error names the redirect's target, with query values redacted. Redirects
// within the origin are followed as net/http does.
var ErrRedirectRefused = errors.New("redirect to another origin (scheme, host or port) refused")

// sameHostRedirects returns a shallow copy of hc whose CheckRedirect refuses
// redirects that leave the first request's origin, then defers to hc's own
// CheckRedirect (or net/http's default of at most 10 redirects).
func sameHostRedirects(hc *http.Client) *http.Client {
	own := *hc
	user := hc.CheckRedirect
	own.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && !sameOrigin(req.URL, via[0].URL) {
			return fmt.Errorf("%w: %s", ErrRedirectRefused, redactURL(req.URL.String()))
		}
		if user != nil {
			return user(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &own
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (an absent port is the scheme's default).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// ErrNoCredentials is returned by calls of a client made without
// WithClientCredentials or WithTokenSource.
var ErrNoCredentials = errors.New("mluvii: client has no credentials (use WithClientCredentials or WithTokenSource)")

// APIError is a non-2xx answer from mluvii.
type APIError struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Body is the start of the answer's body (at most 64 KiB).
	Body []byte
	// Activity is the name of the activity that was sent; empty for the token
	// endpoint and SetCallbackURL.
	Activity string
	// Endpoint names the call: "activity", "token" or "callbackUrl".
	Endpoint string
	// RetryAfter is the delay the answer's Retry-After header asked for.
	RetryAfter time.Duration
}

// Error says which call failed with which status, and the start of the body.
func (e *APIError) Error() string {
	what := e.Endpoint
	if e.Activity != "" {
		what = e.Activity
	}
	msg := fmt.Sprintf("mluvii: %s: HTTP %d %s", what, e.StatusCode, http.StatusText(e.StatusCode))
	if body := strings.TrimSpace(string(e.Body)); body != "" {
		if len(body) > 200 {
			cut := 200
			for cut > 0 && !utf8.RuneStart(body[cut]) {
				cut-- // do not split a character
			}
			body = body[:cut] + "…"
		}
		msg += ": " + body
	}
	return msg
}

// Temporary reports whether the error is worth retrying (429 or 5xx).
func (e *APIError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// SetCallbackURL tells mluvii where to POST this chatbot's webhook calls:
// PUT /api/v1/Chatbot/{chatbotId}?callbackUrl=. Put the secret the dispatcher
// checks into the URL (mluvii signs nothing). Not valid for Bot Framework
// bots. The call is retried like a safe activity.
func (c *Client) SetCallbackURL(ctx context.Context, callbackURL string) error {
	u := c.chatbotURL + "?callbackUrl=" + url.QueryEscape(callbackURL)
	_, err := c.call(ctx, &call{
		endpoint: "callbackUrl", method: http.MethodPut, url: u, safe: true, auth: true,
		logAttrs: []slog.Attr{slog.String("callbackUrl", redactURL(callbackURL))},
	})
	return err
}

// redactURL hides userinfo passwords and query values, which is where bots
// carry their callback secrets.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
