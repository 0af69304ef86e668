package mluviitest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"time"
)

// ServeBot serves the bot's webhook handler (the generated Dispatcher, or any
// http.Handler) on a test server of its own, sets the fake's callback URL to
// it plus pathAndQuery (e.g. "/mluvii?secret=s3cr3t": bots carry their
// secret there), and returns that URL. When the test ends it tears down in
// the order that loses nothing and waits for nothing: first the bot's
// Close(ctx) if it has one (a Dispatcher drains its handlers, whose …AndWait
// calls still get their answers through the webhook), then the webhook,
// then, as NewServer arranged, the fake itself.
func (s *Server) ServeBot(bot http.Handler, pathAndQuery string) string {
	s.tb.Helper()
	webhook := httptest.NewServer(bot)
	s.tb.Cleanup(func() {
		if c, ok := bot.(interface{ Close(context.Context) error }); ok {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := c.Close(ctx); err != nil {
				s.tb.Errorf("mluviitest: closing the bot: %v", err)
			}
		}
		webhook.Close()
	})
	u := webhook.URL + pathAndQuery
	s.SetCallbackURL(u)
	return u
}
