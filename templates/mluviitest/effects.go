package mluviitest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// effect is what mluvii does with a request: change the session, and return
// the answer's fields (nil: a schema-derived default, or no answer at all when
// the request has none). Keyed by name, so activities a spec lacks are simply
// never looked up. Called with s.mu held.
type effect func(s *Server, ss *sessionState, f map[string]any) map[string]any

var effects = map[string]effect{
	"GetAvailableOperators":       (*Server).availableOperators,
	"GetAvailableGroups":          (*Server).availableGroups,
	"GetCallParams":               getCallParams,
	"SetCallParams":               setCallParams,
	"GetGuestIdentity":            getGuestIdentity,
	"GetHeroCards":                (*Server).heroCards,
	"SendHeroCard":                (*Server).sendHeroCard,
	"ChatbotOpenFileUploadPrompt": (*Server).uploadPrompt,
	"EnableGuestUpload":           toggle(func(ss *sessionState) { ss.guestUpload = true }),
	"DisableGuestUpload":          toggle(func(ss *sessionState) { ss.guestUpload = false }),
	"EnableGuestInput":            toggle(func(ss *sessionState) { ss.guestInput = true }),
	"DisableGuestInput":           toggle(func(ss *sessionState) { ss.guestInput = false }),
	"GetMediaObjects":             (*Server).mediaObjects,
	"ShareFile":                   (*Server).shareFile,
	"ObtainCrmIdentity":           (*Server).obtainCRM,
	"AssignCrmIdentity":           (*Server).assignCRM,
	"RequestLocation":             requestLocation,
	"SetTag":                      setTag,
	"UnsetTag":                    unsetTag,
	"SendGuestOfflineEmail":       offlineEmail,
	"EndConversation":             endsBy("EndConversation"),
	"HandOff":                     (*Server).handOff, // routing.go
	"Forward":                     (*Server).forward,
}

// prompts are the requests mluvii answers only once the guest acts
// (prompts.go): their answer waits for the guest, and their effect above is
// the answer WithAutoAnswer gives at once.
var prompts = map[string]PromptKind{
	"ChatbotOpenFileUploadPrompt": PromptUpload,
	"RequestLocation":             PromptLocation,
}

// promptAnswers are a prompt's response fields for what the guest does.
var promptAnswers = map[PromptKind]struct {
	uploaded func(fileURL string) map[string]any
	canceled map[string]any // the guest closed it; nil: mluvii answers nothing
}{
	PromptUpload: {
		uploaded: func(u string) map[string]any { return map[string]any{"fileUrl": u, "canceledByGuest": false} },
		canceled: map[string]any{"fileUrl": nil, "canceledByGuest": true},
	},
	PromptLocation: {},
}

// toggle flips a session switch and answers success.
func toggle(set func(*sessionState)) effect {
	return func(_ *Server, ss *sessionState, _ map[string]any) map[string]any {
		set(ss)
		return success()
	}
}

// endsBy ends the bot's part in the session.
func endsBy(how string) effect {
	return func(s *Server, ss *sessionState, _ map[string]any) map[string]any {
		s.end(ss, how)
		return nil
	}
}

func getCallParams(_ *Server, ss *sessionState, _ map[string]any) map[string]any {
	return map[string]any{"callParams": toAnyMap(ss.params)}
}

func getGuestIdentity(_ *Server, ss *sessionState, _ map[string]any) map[string]any {
	return maps.Clone(ss.identity)
}

func requestLocation(_ *Server, ss *sessionState, _ map[string]any) map[string]any {
	return map[string]any{"latitude": ss.lat, "longitude": ss.lon}
}

func offlineEmail(_ *Server, ss *sessionState, f map[string]any) map[string]any {
	ss.emails = append(ss.emails, maps.Clone(f))
	return nil
}

func success() map[string]any { return map[string]any{"success": true, "errorMessage": nil} }

func failure(format string, args ...any) map[string]any {
	return map[string]any{"success": false, "errorMessage": fmt.Sprintf(format, args...)}
}

func (s *Server) availableOperators(_ *sessionState, f map[string]any) map[string]any {
	group, filtered := intOf(f["groupId"])
	list := []any{}
	for _, op := range s.cfg.world.Operators {
		if op.Available && (!filtered || slices.Contains(op.GroupIDs, int32(group))) {
			list = append(list, map[string]any{"displayName": op.Name, "userId": op.ID})
		}
	}
	return map[string]any{"availableOperators": list}
}

func (s *Server) availableGroups(_ *sessionState, f map[string]any) map[string]any {
	var want []int64
	ids, filtered := f["groupIds"].([]any)
	for _, id := range ids {
		if n, ok := intOf(id); ok {
			want = append(want, n)
		}
	}
	list := []any{}
	for _, g := range s.cfg.world.Groups {
		if filtered && !slices.Contains(want, int64(g.ID)) {
			continue
		}
		reasons := []any{}
		for _, r := range g.OfflineReasons {
			reasons = append(reasons, r)
		}
		list = append(list, map[string]any{
			"displayName": g.Name, "groupId": g.ID, "groupState": g.State, "groupOfflineReasons": reasons,
			"groupWorkload": map[string]any{"maxSlots": g.Workload.MaxSlots, "usedSlotsWaiting": g.Workload.UsedSlotsWaiting,
				"usedSlotsAccepted": g.Workload.UsedSlotsAccepted, "freeSlots": g.Workload.FreeSlots},
			"queueWorkload": map[string]any{"freeQueueSlotsCountTotal": g.Queue.FreeQueueSlotsCountTotal,
				"inQueueCountTotal": g.Queue.InQueueCountTotal, "isQueueFull": g.Queue.IsQueueFull},
		})
	}
	return map[string]any{"availableGroups": list}
}

func setCallParams(_ *Server, ss *sessionState, f map[string]any) map[string]any {
	m, _ := f["callParams"].(map[string]any)
	for k, v := range m {
		if v == nil {
			delete(ss.params, k)
			continue
		}
		ss.params[k] = textOf(v)
	}
	return success()
}

func (s *Server) heroCards(_ *sessionState, _ map[string]any) map[string]any {
	list := []any{}
	for _, c := range s.cfg.world.HeroCards {
		langs := []any{}
		for _, l := range c.Languages {
			langs = append(langs, l)
		}
		list = append(list, map[string]any{"displayName": c.Name, "heroCardId": c.ID, "languages": langs})
	}
	return map[string]any{"heroCards": list}
}

func (s *Server) sendHeroCard(ss *sessionState, f map[string]any) map[string]any {
	id, _ := intOf(f["heroCardId"])
	for _, c := range s.cfg.world.HeroCards {
		if int64(c.ID) == id {
			ss.heroCards = append(ss.heroCards, id)
			return success()
		}
	}
	return failure("hero card %d does not exist", id)
}

// uploadPrompt is the automatic answer (WithAutoAnswer): the guest uploads
// a small text file at once.
func (s *Server) uploadPrompt(ss *sessionState, _ map[string]any) map[string]any {
	sf, err := s.store(ss, autoUpload)
	if err != nil { // limits below the stand-in's size: the guest gives up
		return promptAnswers[PromptUpload].canceled
	}
	return promptAnswers[PromptUpload].uploaded(sf.info(s.URL).URL)
}

func (s *Server) mediaObjects(_ *sessionState, _ map[string]any) map[string]any {
	list := []any{}
	for _, m := range s.cfg.world.MediaObjects {
		list = append(list, map[string]any{"id": m.ID, "name": m.Name})
	}
	return map[string]any{"fileStoreItems": list}
}

func (s *Server) shareFile(ss *sessionState, f map[string]any) map[string]any {
	ss.shared = append(ss.shared, maps.Clone(f))
	if name, _ := f["name"].(string); name != "" {
		for _, m := range s.cfg.world.MediaObjects {
			if m.Name == name {
				return map[string]any{"isSuccess": true, "errorMessage": nil, "fileSource": name}
			}
		}
		return map[string]any{"isSuccess": false, "errorMessage": fmt.Sprintf("no stored file named %q", name)}
	}
	u, _ := f["url"].(string)
	return map[string]any{"isSuccess": true, "errorMessage": nil, "fileSource": u}
}

func (s *Server) obtainCRM(ss *sessionState, _ map[string]any) map[string]any {
	list := []any{}
	for _, id := range s.cfg.world.CRMIdentities {
		data := map[string]any{}
		for k, vs := range id.Data {
			data[k] = toAnySlice(vs)
		}
		list = append(list, map[string]any{"crmIdentityId": id.ID, "score": id.Score, "data": data})
	}
	var assigned any
	if ss.crmID != 0 {
		assigned = ss.crmID
	}
	return map[string]any{"assignedCrmIdentityId": assigned, "matchedCrmIdentities": list}
}

func (s *Server) assignCRM(ss *sessionState, f map[string]any) map[string]any {
	id, ok := intOf(f["existingCrmIdentityId"])
	if !ok { // null or absent: mluvii creates a new contact
		ss.crmID = 66000000 + ss.id%1000000
		return map[string]any{"created": true, "crmIdentityId": ss.crmID, "reason": nil}
	}
	for _, c := range s.cfg.world.CRMIdentities {
		if c.ID == id {
			ss.crmID = id
			return map[string]any{"created": false, "crmIdentityId": id, "reason": nil}
		}
	}
	return map[string]any{"created": false, "crmIdentityId": 0, "reason": fmt.Sprintf("contact %d does not exist", id)}
}

func setTag(_ *Server, ss *sessionState, f map[string]any) map[string]any {
	if name := textOf(f["name"]); !slices.Contains(ss.tags, name) {
		ss.tags = append(ss.tags, name)
	}
	return nil
}

func unsetTag(_ *Server, ss *sessionState, f map[string]any) map[string]any {
	name := textOf(f["name"])
	ss.tags = slices.DeleteFunc(ss.tags, func(t string) bool { return t == name })
	return nil
}

// intOf reads an integer the bot sent (a number or, leniently, a numeric string).
func intOf(v any) (int64, bool) {
	if v == nil {
		return 0, false
	}
	n, _, err := intValue(v, 64)
	return n, err == nil
}

// textOf renders a scalar as text, as Newtonsoft does for string targets.
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	b, _ := marshalJSON(v)
	return string(b)
}

func toAnyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func toAnySlice(list []string) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}
