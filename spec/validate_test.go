package spec

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// head is the start of every test spec; cases begin on line 4.
const head = `name: t
discriminator: {key: activity}
session: {field: sessionId}
`

// errorLines loads a spec and returns its problems as sorted
// "file:line:col: message" lines (nil when it is valid).
func errorLines(t *testing.T, src string) []string {
	t.Helper()
	_, err := Load("t.yaml", []byte(src))
	if err == nil {
		return nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load returned %T, want ErrorList: %v", err, err)
	}
	lines := strings.Split(list.Error(), "\n")
	slices.Sort(lines)
	return lines
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		src  string // appended to head
		want []string
	}{
		{
			name: "valid",
			src: `channels: [{name: WebChat}, {name: Facebook}]
types:
  - {name: State, kind: enum, values: [{name: ON}, {name: OFF}]}
activities:
  - name: Get
    direction: toMluvii
    role: request
    response: GetResponse
    retry: safe
    channels: {WebChat: yes, Facebook: {support: unverified, source: none}}
    channelSource: test
    oneOf: [[a, b]]
    fields:
      - {name: a, type: int32, optional: true}
      - {name: b, type: "[]State", optional: true}
  - name: GetResponse
    direction: fromMluvii
    role: response
    keyAliases: {sesionId: sessionId}
    fields: [{name: m, type: "map[string][]string"}]
`,
		},
		{
			name: "unknown key with did-you-mean",
			src: `activities:
  - name: A
    directon: fromMluvii
    role: event
    sauce: x
`,
			want: []string{
				`t.yaml:6:5: unknown key "directon" (did you mean "direction"?)`,
				`t.yaml:8:5: unknown key "sauce" (did you mean "source"?)`,
			},
		},
		{
			name: "problems of parsing and of validation at once, without follow-ons",
			src: `types:
  - name: T
    kind: struct
    feilds: [{name: a, type: string}]
  - {name: U, kind: struct, fields: [{name: b, type: strin}, {name: c, type: [string]}]}
  - oops
activities:
  - {name: A, direction: fromMluvii, role: event, fields: [{name: d, type: T, optional: maybe}]}
`,
			want: []string{
				`t.yaml:7:5: unknown key "feilds" (did you mean "fields"?)`,
				`t.yaml:8:48: unknown type "strin" (did you mean "string"?)`,
				`t.yaml:8:78: expected a string, got a list`,
				`t.yaml:9:5: expected a mapping, got "oops"`,
				`t.yaml:11:89: expected true or false, got "maybe"`,
			},
		},
		{
			name: "struct containing itself by value",
			src: `types:
  - {name: Node, kind: struct, fields: [{name: next, type: Node}]}
  - {name: A, kind: struct, fields: [{name: b, type: B}]}
  - {name: B, kind: struct, fields: [{name: a, type: A}, {name: more, type: "[]B"}]}
  - {name: List, kind: struct, fields: [{name: next, type: List, optional: true}, {name: prev, type: List, nullable: true}, {name: all, type: "map[string]List"}]}
`,
			want: []string{
				`t.yaml:5:54: type Node: field "next" contains Node by value (Node → Node); make a field of the cycle optional, nullable or a list`,
				`t.yaml:7:48: type B: field "a" contains A by value (A → B → A); make a field of the cycle optional, nullable or a list`,
			},
		},
		{
			name: "duplicate activity",
			src: `activities:
  - {name: Ping, direction: fromMluvii, role: event}
  - {name: PING, direction: fromMluvii, role: event}
  - {name: Pong, direction: fromMluvii, role: event, aliases: [ping]}
`,
			want: []string{
				`t.yaml:6:5: duplicate activity name "PING" (also "Ping" at 5:5; names match in any letter case)`,
				`t.yaml:7:54: duplicate activity name "ping" (also "Ping" at 5:5; names match in any letter case)`,
			},
		},
		{
			name: "duplicate key",
			src: `activities:
  - name: A
    direction: fromMluvii
    role: event
    role: response
    keyAliases: {x: a, x: b}
`,
			want: []string{
				`t.yaml:8:5: duplicate key "role" (first at 7:5)`,
				`t.yaml:9:24: duplicate key "x" (first at 9:18)`,
				`t.yaml:9:5: activity A: key alias "x" points to unknown field "a"`,
			},
		},
		{
			name: "wire-name collision in any letter case",
			src: `envelope: [{name: language, type: string}]
activities:
  - name: A
    direction: fromMluvii
    role: event
    fields:
      - {name: groupId, type: int32}
      - {name: GroupID, type: int32}
      - {name: Language, type: string}
      - {name: sessionid, type: int64}
`,
			want: []string{
				`t.yaml:11:9: activity A: key "GroupID" collides with field "groupId" (first at 10:9; keys match in any letter case)`,
				`t.yaml:12:9: activity A: key "Language" collides with the envelope field at 4:12`,
				`t.yaml:13:9: activity A: key "sessionid" collides with the envelope field at 3:10`,
			},
		},
		{
			name: "unknown type with did-you-mean",
			src: `types:
  - {name: GroupState, kind: enum, values: [{name: ONLINE}]}
activities:
  - name: A
    direction: fromMluvii
    role: event
    fields:
      - {name: a, type: Strng}
      - {name: b, type: "[]GroupStat"}
      - {name: c, type: "map[string]Zebra"}
      - {name: d, type: "map[int]string"}
`,
			want: []string{
				`t.yaml:11:19: unknown type "Strng" (did you mean "string"?)`,
				`t.yaml:12:19: unknown type "GroupStat" (did you mean "GroupState"?)`,
				`t.yaml:13:19: unknown type "Zebra"`,
				`t.yaml:14:19: type "map[int]string": maps must be map[string]T`,
			},
		},
		{
			name: "response that is not a response",
			src: `activities:
  - {name: Get, direction: toMluvii, role: request, retry: safe, response: Done}
  - {name: Put, direction: toMluvii, role: request, retry: safe, response: Dne}
  - {name: Done, direction: fromMluvii, role: event, response: Get}
`,
			want: []string{
				`t.yaml:5:66: activity Get: response "Done" is not a response activity (its role is event)`,
				`t.yaml:6:66: activity Put: response "Dne" is not an activity (did you mean "Done"?)`,
				`t.yaml:7:54: activity Done: only requests have a response`,
			},
		},
		{
			name: "response no request names",
			src: `activities:
  - {name: Get, direction: toMluvii, role: request, retry: safe, response: GetResponse}
  - {name: GetResponse, direction: fromMluvii, role: response}
  - {name: Orphan, direction: fromMluvii, role: response}
`,
			want: []string{
				`t.yaml:7:43: activity Orphan: role response, but no request names it (add "response: Orphan" to the request mluvii answers with it, or make it role event)`,
			},
		},
		{
			name: "empty enum",
			src: `types:
  - {name: E, kind: enum}
  - {name: F, kind: flags, flag: FlagF, values: []}
  - {name: G, kind: flags, flag: OneG, values: [{name: A, number: 3}, {name: B}]}
`,
			want: []string{
				`t.yaml:5:5: enum "E" has no values`,
				`t.yaml:6:5: flags "F" has no values`,
				`t.yaml:7:59: flag "A": number 3 is not 0 or a power of two`,
				`t.yaml:7:71: flag "B" needs a number`,
			},
		},
		{
			name: "bad direction and role",
			src: `activities:
  - {name: A, direction: sideways, role: event}
  - {name: B, direction: fromMluvii, role: reply}
  - {name: C, direction: fromMluvii, role: request}
  - {name: D, direction: tomluvii, role: response}
`,
			want: []string{
				`t.yaml:5:15: activity A: direction "sideways" must be one of toMluvii, fromMluvii, both`,
				`t.yaml:6:38: activity B: role "reply" must be one of request, response, event, message`,
				`t.yaml:7:38: activity C: a request must have direction toMluvii`,
				// Not also "a response must have direction fromMluvii".
				`t.yaml:8:15: activity D: direction "tomluvii" must be one of toMluvii, fromMluvii, both`,
			},
		},
		{
			name: "retry",
			src: `activities:
  - {name: A, direction: toMluvii, role: request}
  - {name: B, direction: fromMluvii, role: event, retry: safe}
  - {name: C, direction: both, role: message, retry: twice}
`,
			want: []string{
				`t.yaml:5:5: activity A: retry (safe or unsafe) is required for activities sent to mluvii`,
				`t.yaml:6:51: activity B: retry applies only to activities sent to mluvii`,
				`t.yaml:7:47: activity C: retry "twice" must be safe or unsafe`,
			},
		},
		{
			name: "endsSession",
			src: `activities:
  - {name: A, direction: toMluvii, role: request, retry: safe, endsSession: true}
  - {name: B, direction: fromMluvii, role: event, session: false, endsSession: true}
  - {name: C, direction: fromMluvii, role: event, endsSession: true}
`,
			want: []string{
				`t.yaml:5:64: activity A: endsSession applies only to activities mluvii sends with a session id`,
				`t.yaml:6:67: activity B: endsSession applies only to activities mluvii sends with a session id`,
			},
		},
		{
			name: "bad channel value",
			src: `channels: [{name: WebChat}, {name: Facebook}]
activities:
  - name: A
    direction: toMluvii
    role: request
    retry: safe
    channelSource: test
    channels: {WebChat: maybe, Facebook: {support: Yes}}
`,
			want: []string{
				`t.yaml:11:25: activity A: channel WebChat: "maybe" must be yes, no or unverified`,
				`t.yaml:11:42: activity A: channel Facebook: "Yes" must be yes, no or unverified`,
			},
		},
		{
			name: "unknown channel",
			src: `channels: [{name: WebChat}, {name: Facebook}]
activities:
  - name: A
    direction: toMluvii
    role: request
    retry: safe
    channelSource: test
    channels: {WebChat: yes, Facebok: no, Viber: no}
  - name: B
    direction: toMluvii
    role: request
    retry: safe
    channels: {WebChat: {support: yes, source: s}, Facebook: {support: no, source: s}, Viber: no}
`,
			want: []string{
				`t.yaml:11:5: activity A: channel Facebook has no cell (yes, no or unverified)`,
				`t.yaml:11:39: activity A: unknown channel "Facebok" (did you mean "Facebook"?)`,
				`t.yaml:11:50: activity A: unknown channel "Viber"`,
				// Not also "channel Viber has no source".
				`t.yaml:16:95: activity B: unknown channel "Viber"`,
			},
		},
		{
			name: "missing channel cell, row or source",
			src: `channels: [{name: WebChat}, {name: Facebook}]
activities:
  - name: A
    direction: toMluvii
    role: request
    retry: safe
    channelSource: test
    channels: {WebChat: yes}
  - {name: B, direction: toMluvii, role: request, retry: safe}
  - {name: C, direction: toMluvii, role: request, retry: safe, channels: {WebChat: yes, Facebook: {support: no, source: docs}}}
`,
			want: []string{
				`t.yaml:11:5: activity A: channel Facebook has no cell (yes, no or unverified)`,
				`t.yaml:12:5: activity B: channels is required for activities sent to mluvii`,
				`t.yaml:13:64: activity C: channel WebChat has no source (set channelSource or the cell's source)`,
			},
		},
		{
			name: "oneOf naming an unknown field",
			src: `activities:
  - name: Forward
    direction: toMluvii
    role: request
    retry: unsafe
    oneOf: [[userId, groupId], [userId]]
    fields:
      - {name: userId, type: int32, optional: true}
      - {name: operatorGroupId, type: int32}
`,
			want: []string{
				`t.yaml:9:5: activity Forward: a oneOf group needs at least two fields`,
				`t.yaml:9:5: activity Forward: oneOf names unknown field "groupId"`,
			},
		},
		{
			name: "key alias to an unknown field",
			src: `activities:
  - name: R
    direction: fromMluvii
    role: response
    keyAliases: {sesionId: sessionId, sucess: success, ok: ok}
    fields: [{name: ok, type: bool}]
  - {name: Q, direction: toMluvii, role: request, retry: safe, response: R}
`,
			want: []string{
				`t.yaml:8:5: activity R: key alias "ok" is already a key`,
				`t.yaml:8:5: activity R: key alias "sucess" points to unknown field "success"`,
			},
		},
		{
			name: "value of the wrong kind",
			src: `discriminator: {key: activity, foldCase: sometimes}
activities:
  - {name: A, direction: fromMluvii, role: event, session: [no]}
types:
  - {name: E, kind: enum, values: [{name: X, number: one}]}
`,
			want: []string{
				`t.yaml:4:1: duplicate key "discriminator" (first at 2:1)`,
				`t.yaml:6:60: expected true or false, got a list`,
				`t.yaml:8:54: expected an integer, got "one"`,
			},
		},
		{
			name: "invalid YAML: unterminated flow mapping",
			src: `activities:
  - {name: A, direction: fromMluvii
`,
			want: []string{
				`t.yaml:5: invalid YAML: did not find expected ',' or '}'`,
			},
		},
		{
			name: "invalid YAML: bad indentation",
			src: `activities:
  - name: A
    direction: fromMluvii
   role: event
`,
			want: []string{
				`t.yaml:5: invalid YAML: did not find expected '-' indicator`,
			},
		},
		{
			name: "invalid YAML: a tab as indentation",
			src:  "activities:\n\t- name: A\n",
			want: []string{
				`t.yaml:5:1: invalid YAML: found character that cannot start any token (YAML does not allow tabs for indentation; use spaces)`,
			},
		},
		{
			name: "invalid YAML: a tab after spaces, reported on the line before",
			src:  "activities:\n  - name: A\n  \tdirection: fromMluvii\n",
			want: []string{
				`t.yaml:6:3: invalid YAML: found a tab character that violates indentation (YAML does not allow tabs for indentation; use spaces)`,
			},
		},
		{
			name: "invalid YAML: scanner error",
			src: `activities:
  - name: A: b
`,
			want: []string{
				`t.yaml:5: invalid YAML: mapping values are not allowed in this context`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := errorLines(t, head+tt.src)
			slices.Sort(tt.want)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// The activity names of mluvii's ChannelActivityType (inventory §4.3).
var channelActivityTypes = []string{
	"Forward", "HandOff", "GetAvailableOperators", "GetAvailableOperatorsResponse",
	"SetCallParams", "SetCallParamsResponse", "SendGuestOfflineEmail", "GetCallParams",
	"GetCallParamsResponse", "ChatbotOpenFileUploadPrompt", "ChatbotOpenFileUploadPromptResponse",
	"GetGuestIdentity", "GetGuestIdentityResponse", "EnableGuestUpload", "EnableGuestUploadResponse",
	"DisableGuestUpload", "DisableGuestUploadResponse", "GuestFileUpload", "Ping", "Text",
	"RichCardList", "GetAvailableGroups", "GetAvailableGroupsResponse", "ConversationStarted",
	"ConversationEnded", "GetHeroCards", "GetHeroCardsResponse", "SendHeroCard",
	"SendHeroCardResponse", "Typing", "EnableGuestInput", "DisableGuestInput",
	"GuestInputChangeResponse", "EndConversation", "GetMediaObjects", "GetMediaObjectsResponse",
	"ShareFile", "ShareFileResponse", "HeroCardSubmission", "HeroCardQuickReply",
	"AssignCrmIdentity", "AssignCrmIdentityResponse", "ObtainCrmIdentity",
	"ObtainCrmIdentityResponse", "SetTag", "UnsetTag", "RequestLocation", "GuestLocation",
}

func TestDefaultActivities(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(channelActivityTypes) != 48 {
		t.Fatalf("test table has %d names, want 48", len(channelActivityTypes))
	}
	want := append(slices.Clone(channelActivityTypes), "Message")
	var got []string
	var sent, received int
	for _, a := range s.Activities {
		got = append(got, a.Name)
		if a.Direction == ToMluvii || a.Direction == Both {
			sent++
		}
		if a.Direction == FromMluvii || a.Direction == Both {
			received++
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("activities (-want +got):\n%s", diff)
	}
	// §4.4: 26 enum names + the untyped message go to mluvii; 15 responses,
	// 7 events and Text come from mluvii.
	if sent != 27 || received != 23 {
		t.Errorf("sent %d, received %d activities; want 27 and 23", sent, received)
	}
}

func TestDefaultResponses(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	// §4.4: 17 requests with an answer.
	want := map[string]string{
		"GetAvailableOperators":       "GetAvailableOperatorsResponse",
		"GetAvailableGroups":          "GetAvailableGroupsResponse",
		"GetCallParams":               "GetCallParamsResponse",
		"SetCallParams":               "SetCallParamsResponse",
		"GetGuestIdentity":            "GetGuestIdentityResponse",
		"GetHeroCards":                "GetHeroCardsResponse",
		"SendHeroCard":                "SendHeroCardResponse",
		"ChatbotOpenFileUploadPrompt": "ChatbotOpenFileUploadPromptResponse",
		"EnableGuestUpload":           "EnableGuestUploadResponse",
		"DisableGuestUpload":          "DisableGuestUploadResponse",
		"GetMediaObjects":             "GetMediaObjectsResponse",
		"ShareFile":                   "ShareFileResponse",
		"ObtainCrmIdentity":           "ObtainCrmIdentityResponse",
		"AssignCrmIdentity":           "AssignCrmIdentityResponse",
		"EnableGuestInput":            "GuestInputChangeResponse",
		"DisableGuestInput":           "GuestInputChangeResponse",
		"RequestLocation":             "GuestLocation",
	}
	got := map[string]string{}
	for _, a := range s.Activities {
		if a.Response != "" {
			got[a.Name] = a.Response
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request → response (-want +got):\n%s", diff)
	}
}
