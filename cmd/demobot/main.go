// Command demobot is a small real chatbot on the generated package mluvii:
// it greets, echoes, shows buttons and a hero card, and hands the
// conversation to an operator when asked. With no flags it talks to
// mluvii-mock's defaults:
//
//	go run ./cmd/mluvii-mock --callback 'http://127.0.0.1:8080/mluvii?secret=change-me'
//	go run ./cmd/demobot --callback-secret change-me
//
// Every flag has an environment variable (flags win): MLUVII_BASE_URL,
// MLUVII_CHATBOT_ID, MLUVII_CLIENT_ID, MLUVII_CLIENT_SECRET,
// MLUVII_CALLBACK_SECRET, DEMOBOT_LISTEN.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/mluviigen/mluviigen/cmd/demobot/bot"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	cfg         bot.Config
	listen      string
	path        string
	callbackURL string // PUT as the chatbot's callback URL at start
	verbose     bool
}

func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var o options
	var chatbotID string
	fs := pflag.NewFlagSet("demobot", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.cfg.BaseURL, "base-url", env("MLUVII_BASE_URL", "http://127.0.0.1:8765"), "mluvii's `URL` ($MLUVII_BASE_URL)")
	fs.StringVar(&chatbotID, "chatbot-id", env("MLUVII_CHATBOT_ID", "2005"), "chatbot `id` ($MLUVII_CHATBOT_ID)")
	fs.StringVar(&o.cfg.ClientID, "client-id", env("MLUVII_CLIENT_ID", "mluvii-mock"), "API client id ($MLUVII_CLIENT_ID)")
	fs.StringVar(&o.cfg.ClientSecret, "client-secret", env("MLUVII_CLIENT_SECRET", "mluvii-mock-secret"), "API client secret ($MLUVII_CLIENT_SECRET)")
	fs.StringVar(&o.cfg.CallbackSecret, "callback-secret", env("MLUVII_CALLBACK_SECRET", ""), "secret every webhook call must carry (?secret=, X-Mluvii-Secret or Basic password; $MLUVII_CALLBACK_SECRET); empty accepts every call")
	fs.StringVar(&o.listen, "listen", env("DEMOBOT_LISTEN", "127.0.0.1:8080"), "`address` of the webhook ($DEMOBOT_LISTEN)")
	fs.StringVar(&o.path, "path", "/mluvii", "`path` of the webhook")
	fs.StringVar(&o.callbackURL, "set-callback-url", "", "PUT this `URL` as the chatbot's callback URL at start (instead of configuring it in mluvii)")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "log every call to mluvii")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: demobot [flags]\n\nA demo chatbot on the generated package mluvii.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	id, err := strconv.ParseInt(chatbotID, 10, 64)
	if err != nil {
		return o, fmt.Errorf("chatbot id %q is not a number", chatbotID)
	}
	o.cfg.ChatbotID = id
	if !strings.HasPrefix(o.path, "/") {
		o.path = "/" + o.path
	}
	return o, o.cfg.Validate()
}

// run is the program: 0 after a clean shutdown, 1 on errors, 2 on a bad
// command line.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, getenv, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "demobot: %v\n", err)
		return 2
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	o.cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	b := bot.New(o.cfg)

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintf(stderr, "demobot: %v\n", err)
		return 1
	}
	mux := http.NewServeMux()
	mux.Handle(o.path, b.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "demobot: webhook on http://%s%s, talking to chatbot %d at %s (Ctrl-C stops it)\n",
		ln.Addr(), o.path, o.cfg.ChatbotID, o.cfg.BaseURL)

	code := 0
	if o.callbackURL != "" {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := b.Client().SetCallbackURL(cctx, o.callbackURL)
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "demobot: setting the callback URL: %v\n", err)
			code = 1
		}
	}
	if code == 0 {
		select {
		case <-ctx.Done():
		case err := <-served:
			fmt.Fprintf(stderr, "demobot: %v\n", err)
			code = 1
		}
	}
	// Close the bot first: while it drains, the webhook still takes the answers
	// its handlers' …AndWait calls wait for (new events get 503). Then stop HTTP.
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Close(sctx); err != nil {
		fmt.Fprintf(stderr, "demobot: waiting for handlers: %v\n", err)
	}
	if err := hs.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "demobot: shutdown: %v\n", err)
	}
	return code
}
