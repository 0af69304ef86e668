package mluvii

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// call is one logical call to mluvii, possibly made in several attempts.
type call struct {
	endpoint    string // activity, token, callbackUrl
	activity    string
	session     int64
	method, url string
	contentType string
	body        []byte
	safe        bool // may be repeated: retry on network errors, 429 and 5xx
	auth        bool // send a bearer token; refresh it once on a 401
	wantBody    bool // return the answer's body (else it is drained)
	status      int  // the last attempt's HTTP status (0: none)
	logAttrs    []slog.Attr
}

func (k *call) what() string {
	if k.activity != "" {
		return k.activity
	}
	return k.endpoint
}

const (
	maxErrorBody   = 64 << 10
	maxSuccessBody = 1 << 20
)

// certificateError reports whether err is the TLS check refusing the
// server's certificate: trying again cannot change the answer.
func certificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// call makes k, retrying where k.safe allows, and returns the answer's body
// when k.wantBody is set.
func (c *Client) call(ctx context.Context, k *call) ([]byte, error) {
	refreshed := false
	for attempt := 1; ; {
		token, err := c.bearer(ctx, k)
		if err != nil {
			return nil, err
		}
		body, ra, err := c.attempt(ctx, k, token, attempt)
		if err == nil {
			return body, nil
		}
		var apiErr *APIError
		isAPI := errors.As(err, &apiErr)
		switch {
		case isAPI && apiErr.StatusCode == http.StatusUnauthorized && k.auth && !refreshed:
			// The token may have been revoked or expired early: refresh it
			// once and repeat once. The request was rejected, so repeating it
			// is safe for any activity.
			refreshed = true
			if inv, ok := c.tokens.(interface{ Invalidate(token string) }); ok {
				inv.Invalidate(token)
			}
			c.logf(ctx, slog.LevelInfo, "mluvii: 401, refreshing the token and retrying once", k, slog.Int("attempt", attempt))
			continue
		case ctx.Err() != nil:
			return nil, err
		case !k.safe || (isAPI && !apiErr.Temporary()) || errors.Is(err, ErrRedirectRefused) || certificateError(err):
			return nil, err
		case attempt >= c.retry.MaxAttempts:
			if attempt > 1 {
				return nil, fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
			}
			return nil, err
		}
		attempt++
		if err := c.sleep(ctx, k, attempt, ra, err); err != nil {
			return nil, err
		}
	}
}

// sleep waits before attempt (2 for the first retry); it gives up at once when
// the wait would outlast ctx or a Retry-After exceeds the policy's maximum.
func (c *Client) sleep(ctx context.Context, k *call, attempt int, ra time.Duration, lastErr error) error {
	if ra > c.retry.MaxRetryAfter {
		return fmt.Errorf("%w (not retried: Retry-After %v exceeds MaxRetryAfter %v)", lastErr, ra, c.retry.MaxRetryAfter)
	}
	d := c.retry.backoff(attempt-1, ra)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return fmt.Errorf("%w (not retried: the wait of %v would outlast the context)", lastErr, d.Round(time.Millisecond))
	}
	c.logf(ctx, slog.LevelWarn, "mluvii: call failed, retrying", k,
		slog.Int("attempt", attempt), slog.Duration("delay", d), slog.String("error", lastErr.Error()))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w (not retried: %w)", lastErr, ctx.Err())
	}
}

// bearer returns the token for k, or "" when k needs none.
func (c *Client) bearer(ctx context.Context, k *call) (string, error) {
	if !k.auth {
		return "", nil
	}
	if c.tokens == nil {
		return "", fmt.Errorf("mluvii: %s: %w", k.what(), ErrNoCredentials)
	}
	token, err := c.tokens.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("mluvii: %s: getting a token: %w", k.what(), err)
	}
	return token, nil
}

// attempt makes one HTTP exchange. It returns the body (when wanted) of a 2xx
// answer, or an error: an *APIError for other answers (with the Retry-After
// delay), a wrapped transport error otherwise.
func (c *Client) attempt(ctx context.Context, k *call, token string, n int) ([]byte, time.Duration, error) {
	start := time.Now()
	var body io.Reader
	if k.body != nil {
		body = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, k.url, body)
	if err != nil {
		return nil, 0, fmt.Errorf("mluvii: %s: %w", k.what(), err)
	}
	if k.contentType != "" {
		req.Header.Set("Content-Type", k.contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redactURL(ue.URL) // SetCallbackURL carries the callback secret
		}
		c.logf(ctx, slog.LevelDebug, "mluvii: call failed", k, slog.Int("attempt", n), slog.String("error", err.Error()))
		return nil, 0, fmt.Errorf("mluvii: %s: %w", k.what(), err)
	}
	defer resp.Body.Close()
	k.status = resp.StatusCode
	c.logf(ctx, slog.LevelDebug, "mluvii: call", k, slog.Int("attempt", n), slog.Int("status", resp.StatusCode),
		slog.Duration("elapsed", time.Since(start)))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if !k.wantBody {
			// Drain so the connection is reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
			return nil, 0, nil
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxSuccessBody))
		if err != nil {
			return nil, 0, fmt.Errorf("mluvii: %s: reading the answer: %w", k.what(), err)
		}
		return b, 0, nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	ra := retryAfter(resp.Header, time.Now())
	return nil, ra, &APIError{StatusCode: resp.StatusCode, Body: b, Activity: k.activity, Endpoint: k.endpoint, RetryAfter: ra}
}

// logf logs one event of k when the client has a logger enabled for level.
func (c *Client) logf(ctx context.Context, level slog.Level, msg string, k *call, attrs ...slog.Attr) {
	if c.log == nil || !c.log.Enabled(ctx, level) {
		return
	}
	all := make([]slog.Attr, 0, len(attrs)+len(k.logAttrs)+4)
	all = append(all, slog.String("endpoint", k.endpoint), slog.Int64("chatbotId", c.chatbotID))
	if k.activity != "" {
		all = append(all, slog.String("activity", k.activity))
	}
	if k.session != 0 {
		all = append(all, slog.Int64("sessionId", k.session))
	}
	all = append(all, k.logAttrs...)
	all = append(all, attrs...)
	c.log.LogAttrs(ctx, level, msg, all...)
}
