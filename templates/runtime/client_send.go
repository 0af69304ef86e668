package mluvii

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Send checks a (required fields, "one of" rules), marshals it and POSTs it to
// mluvii. An invalid activity is a *ValidationError (errors.Is ErrInvalid) and
// nothing is sent. Any 2xx answer is success; anything else is an *APIError. Activities the spec marks safe to
// retry are retried on network errors, 429 and 5xx; others are sent once.
//
// Send does not wait for the response of a request: it arrives later at the
// webhook. Use the …AndWait methods (or SendAndWait) to wait for it.
func (c *Client) Send(ctx context.Context, a Activity) error {
	body, info, err := c.prepare(a)
	if err != nil {
		return err
	}
	return c.post(ctx, a, body, info)
}

// SendAndWait sends the request a and waits for the activity that answers it,
// matched by a's session and the response's name (mluvii has no correlation
// id). The waiter is registered before a is sent, so an answer that overtakes
// the HTTP reply is not lost. It fails with an error wrapping ErrInFlight when
// a request with the same answer is already waiting in the same session, and
// with ctx's error when ctx ends first; the request may still have been
// processed then, and its late answer goes to the dispatcher's handlers.
func (c *Client) SendAndWait(ctx context.Context, a Activity) (Activity, error) {
	body, info, err := c.prepare(a)
	if err != nil {
		return nil, err
	}
	if info.Response == "" {
		return nil, fmt.Errorf("mluvii: %s has no response to wait for", info.Name)
	}
	if c.waiters == nil {
		return nil, fmt.Errorf("mluvii: %s: %w", info.Name, ErrNoWaiters)
	}
	ch, cancel, err := c.waiters.Register(a.Session(), info.Response)
	if err != nil {
		return nil, fmt.Errorf("mluvii: %s for session %d: %w", info.Name, a.Session(), err)
	}
	// cancel removes the waiter: after a failed send, on ctx's end, and after
	// delivery, so late or duplicate answers reach the handlers.
	defer cancel()
	if err := c.post(ctx, a, body, info); err != nil {
		return nil, err
	}
	select {
	case resp := <-ch:
		return resp, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("mluvii: %s: waiting for %s in session %d: %w", info.Name, info.Response, a.Session(), ctx.Err())
	}
}

// ErrNoWaiters is returned by …AndWait on a client made without WithDispatcher
// or WithWaiters: responses arrive at the webhook, so the client cannot wait
// for them on its own.
var ErrNoWaiters = errors.New("client has no waiter registry (use WithDispatcher or WithWaiters)")

// andWait is SendAndWait for generated methods: it returns the answer as its
// concrete type R.
func andWait[R any, P interface {
	*R
	Activity
}](ctx context.Context, c *Client, a Activity) (*R, error) {
	resp, err := c.SendAndWait(ctx, a)
	if err != nil {
		return nil, err
	}
	if r, ok := resp.(P); ok {
		return (*R)(r), nil
	}
	return nil, fmt.Errorf("mluvii: %s: answer in session %d is %T, not %T", a.ActivityName(), a.Session(), resp, P(nil))
}

// validator is implemented by every activity a bot sends.
type validator interface{ Validate() error }

// prepare validates and marshals a. Activities the spec does not know (such as
// *Unknown) are sent as they are, never retried.
func (c *Client) prepare(a Activity) ([]byte, *ActivityInfo, error) {
	if a == nil {
		return nil, nil, errors.New("mluvii: Send: nil activity")
	}
	name := a.ActivityName()
	info, known := sendInfos()[name]
	if !known {
		info = &ActivityInfo{Name: name}
	} else if !info.Sent {
		return nil, info, fmt.Errorf("mluvii: %s is sent by mluvii, not by bots", name)
	}
	if v, ok := a.(validator); ok {
		if err := v.Validate(); err != nil {
			return nil, info, err // a *ValidationError naming the activity and field
		}
	}
	body, err := a.MarshalJSON()
	if err != nil {
		return nil, info, fmt.Errorf("mluvii: %s not sent: %w", name, err)
	}
	return body, info, nil
}

// sendInfos indexes the schema by wire name once, so that a send does not
// scan it.
var sendInfos = sync.OnceValue(func() map[string]*ActivityInfo {
	m := map[string]*ActivityInfo{}
	for _, a := range Activities() {
		m[a.Name] = &a
	}
	return m
})

// post sends a marshalled activity.
func (c *Client) post(ctx context.Context, a Activity, body []byte, info *ActivityInfo) (err error) {
	rec := c.recorder.sent(a.Session(), info.Name, body) // nil unless recording (record.go)
	k := &call{
		endpoint: "activity", activity: info.Name, session: a.Session(),
		method: "POST", url: c.activityURL, contentType: "application/json; charset=utf-8",
		body: body, safe: info.RetrySafe, auth: true,
	}
	// Deferred: a line left open would hold its session's later lines.
	defer func() { rec.complete(k.status, err) }()
	_, err = c.call(ctx, k)
	return err
}
