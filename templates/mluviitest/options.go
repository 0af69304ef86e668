package mluviitest

import (
	"fmt"
	"strings"
	"time"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	chatbotID       int64
	clientID        string
	clientSecret    string
	tokenExpiry     time.Duration
	callbackURL     string
	strict          bool
	clock           Clock
	world           World
	faults          map[string]Fault
	tokenFault      *Fault
	responders      map[string]Responder
	timeout         time.Duration
	callbackTimeout time.Duration
	language        string
	ackBudget       time.Duration
	disableAfter    time.Duration
	maxBody         int64
	keepEnded       int           // ended sessions kept; < 0: all
	retention       time.Duration // ended sessions kept this long; <= 0: no time bound
	maxOpen         int           // open sessions at once; <= 0: no bound
	keepEntries     int           // entries of the server's transcript; < 0: all
	maxTokens       int           // unexpired tokens remembered; <= 0: no bound
	maxInFlight     int           // requests to the fake's endpoints at once; <= 0: no bound
	maxDeliveries   int           // deliveries to the bot pending at once; <= 0: no bound
	autoAnswer      bool          // the guest answers prompts at once (WithAutoAnswer)
	maxFileBytes    int64         // one stored file at most; <= 0: no bound
	maxStoredBytes  int64         // every stored file together; <= 0: no bound
	maxFiles        int           // stored files at once; <= 0: no bound
}

func defaultConfig() config {
	return config{
		chatbotID:       2005,
		clientID:        "mluviitest-client",
		clientSecret:    "mluviitest-secret",
		tokenExpiry:     time.Hour,
		clock:           realClock{},
		world:           DefaultWorld(),
		faults:          map[string]Fault{},
		responders:      map[string]Responder{},
		timeout:         5 * time.Second,
		callbackTimeout: 10 * time.Second,
		language:        "cs",
		ackBudget:       2 * time.Second,
		disableAfter:    15 * time.Minute,
		maxBody:         8 << 20,
		keepEnded:       DefaultEndedSessionsKept,
		retention:       DefaultSessionRetention,
		maxOpen:         DefaultMaxOpenSessions,
		keepEntries:     DefaultTranscriptLimit,
		maxTokens:       DefaultMaxTokens,
		maxInFlight:     DefaultMaxInFlight,
		maxDeliveries:   DefaultMaxDeliveries,
		maxFileBytes:    DefaultMaxFileBytes,
		maxStoredBytes:  DefaultMaxStoredBytes,
		maxFiles:        DefaultMaxStoredFiles,
	}
}

// WithChatbotID sets the chatbot id in the activity endpoint's path (default 2005).
func WithChatbotID(id int64) Option { return func(c *config) { c.chatbotID = id } }

// WithCredentials sets the API client id and secret the token endpoint accepts.
func WithCredentials(clientID, clientSecret string) Option {
	return func(c *config) { c.clientID, c.clientSecret = clientID, clientSecret }
}

// WithTokenExpiry sets the lifetime of issued tokens (default 1 h, as mluvii).
func WithTokenExpiry(d time.Duration) Option { return func(c *config) { c.tokenExpiry = d } }

// WithCallbackURL sets the bot's callback URL, as the chatbot's settings in
// mluvii's administration do. Its query string is kept exactly.
func WithCallbackURL(u string) Option { return func(c *config) { c.callbackURL = u } }

// Strict turns the warnings mluvii's lenient parser lets pass (keys in another
// letter case, unknown fields, numbers as strings, …) into 400s. The forms
// the spec itself declares, such as type:"message" bodies, are not warnings.
func Strict() Option { return func(c *config) { c.strict = true } }

// WithClock replaces the real clock, e.g. with a FakeClock.
func WithClock(clock Clock) Option { return func(c *config) { c.clock = clock } }

// WithWorld replaces the default world (groups, operators, hero cards, …).
func WithWorld(w World) Option { return func(c *config) { c.world = w } }

// WithGroups replaces the world's operator groups.
func WithGroups(groups ...Group) Option { return func(c *config) { c.world.Groups = groups } }

// WithOperators replaces the world's operators.
func WithOperators(ops ...Operator) Option { return func(c *config) { c.world.Operators = ops } }

// WithHeroCards replaces the world's hero cards.
func WithHeroCards(cards ...HeroCard) Option { return func(c *config) { c.world.HeroCards = cards } }

// WithMediaObjects replaces the world's stored files.
func WithMediaObjects(objs ...MediaObject) Option {
	return func(c *config) { c.world.MediaObjects = objs }
}

// WithCRMIdentities replaces the contact-directory entries guests match.
func WithCRMIdentities(ids ...CRMIdentity) Option {
	return func(c *config) { c.world.CRMIdentities = ids }
}

// WithFault injects a fault from the start; see Server.SetFault.
func WithFault(activity string, f Fault) Option { return func(c *config) { c.faults[activity] = f } }

// WithTokenFault injects a token endpoint fault from the start.
func WithTokenFault(f Fault) Option { return func(c *config) { c.tokenFault = &f } }

// WithResponder answers the named request with fn instead of the built-in
// responder; see Responder.
func WithResponder(request string, fn Responder) Option {
	return func(c *config) { c.responders[request] = fn }
}

// WithTimeout sets how long the Expect and Assert helpers wait (default 5 s).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithCallbackTimeout bounds each POST to the bot (default 10 s, real time).
func WithCallbackTimeout(d time.Duration) Option { return func(c *config) { c.callbackTimeout = d } }

// WithLanguage sets the language of new sessions (default "cs").
func WithLanguage(lang string) Option { return func(c *config) { c.language = lang } }

// WithDisableRule changes mluvii's rule that a bot failing to ack with 200
// within ackBudget for longer than after is disabled (default 2 s and 15 min).
func WithDisableRule(ackBudget, after time.Duration) Option {
	return func(c *config) { c.ackBudget, c.disableAfter = ackBudget, after }
}

// World is what the fake mluvii's tenant holds: the answers to GetAvailable…,
// GetHeroCards, GetMediaObjects and ObtainCrmIdentity come from here.
type World struct {
	Groups        []Group
	Operators     []Operator
	HeroCards     []HeroCard
	MediaObjects  []MediaObject
	CRMIdentities []CRMIdentity
}

// Group is an operator group. State is ONLINE, BUSY or OFFLINE; it decides
// where HandOff and Forward take a session (see Routing).
type Group struct {
	ID             int32
	Name           string
	State          GroupState
	OfflineReasons []string // e.g. BUSINESS_HOURS, NO_OPERATORS
	Workload       GroupWorkload
	Queue          QueueWorkload
}

// GroupState is a group's state in the fake's world: what GetAvailableGroups
// answers, and how HandOff and Forward are routed. The server refuses any
// other value (a test failure naming it), so a misspelled "online" cannot
// quietly act as offline.
type GroupState string

// The group states mluvii reports.
const (
	GroupOnline  GroupState = "ONLINE"
	GroupBusy    GroupState = "BUSY"
	GroupOffline GroupState = "OFFLINE"
)

// checkGroups reports a group whose state is not one of the GroupState
// constants, with the one meant when only its letter case differs.
func checkGroups(groups []Group) error {
	for _, g := range groups {
		switch g.State {
		case GroupOnline, GroupBusy, GroupOffline:
			continue
		}
		hint := ""
		for _, ok := range []GroupState{GroupOnline, GroupBusy, GroupOffline} {
			if strings.EqualFold(string(g.State), string(ok)) {
				hint = fmt.Sprintf(" (did you mean %q?)", ok)
			}
		}
		return fmt.Errorf("mluviitest: group %d (%q) has state %q%s: want GroupOnline, GroupBusy or GroupOffline", g.ID, g.Name, g.State, hint)
	}
	return nil
}

// GroupWorkload is a group's slot usage.
type GroupWorkload struct{ MaxSlots, UsedSlotsWaiting, UsedSlotsAccepted, FreeSlots int32 }

// QueueWorkload is a group's queue usage.
type QueueWorkload struct {
	FreeQueueSlotsCountTotal, InQueueCountTotal int32
	IsQueueFull                                 bool
}

// Operator is a mluvii user who can take sessions.
type Operator struct {
	ID        int32
	Name      string
	GroupIDs  []int32
	Available bool
}

// HeroCard is a hero card configured in mluvii.
type HeroCard struct {
	ID        int32
	Name      string
	Languages []string
}

// MediaObject is a file stored in mluvii, shareable by name. The fake
// serves Data with ContentType (default application/octet-stream) at the
// object's URL (Server.MediaObjectURL).
type MediaObject struct {
	ID          int32
	Name        string
	ContentType string
	Data        []byte
}

// CRMIdentity is a contact-directory entry that matches the guest.
type CRMIdentity struct {
	ID    int64
	Score float64 // 0–100
	Data  map[string][]string
}

// pricelistPDF is the default world's stored file: a one-page PDF.
const pricelistPDF = "%PDF-1.4\n" +
	"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
	"4 0 obj<</Length 40>>stream\nBT /F1 18 Tf 20 50 Td (Price list) Tj ET\nendstream endobj\n" +
	"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n" +
	"trailer<</Root 1 0 R>>\n%%EOF\n"

// DefaultWorld is the world of a server without world options: one online
// and one offline group, an available operator, a hero card and a stored file.
func DefaultWorld() World {
	return World{
		Groups: []Group{
			{ID: 1, Name: "Support", State: GroupOnline,
				Workload: GroupWorkload{MaxSlots: 10, UsedSlotsAccepted: 2, FreeSlots: 8},
				Queue:    QueueWorkload{FreeQueueSlotsCountTotal: 20}},
			{ID: 2, Name: "Sales", State: GroupOffline, OfflineReasons: []string{"BUSINESS_HOURS"},
				Queue: QueueWorkload{IsQueueFull: true}},
		},
		Operators:    []Operator{{ID: 101, Name: "Jana Nováková", GroupIDs: []int32{1}, Available: true}},
		HeroCards:    []HeroCard{{ID: 1, Name: "Contact form", Languages: []string{"cs", "en"}}},
		MediaObjects: []MediaObject{{ID: 1, Name: "pricelist.pdf", ContentType: "application/pdf", Data: []byte(pricelistPDF)}},
	}
}
