package federation

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"herald/harness/matrix"
)

// Limits of a transaction (transactions.yaml, definitions/transaction.yaml).
const (
	maxTxnPDUs = 50
	maxTxnEDUs = 100
)

// TxnResult is what the mock made of one transaction body.
type TxnResult struct {
	// PDUs maps each PDU's event ID to "" (accepted) or why it was not.
	PDUs map[string]string
	// EDUTypes lists the edu_type of each EDU.
	EDUTypes []string
	// Checks are the verifications made (origin, limits, each PDU).
	Checks []Check
	// Notes are remarks (PDUs for rooms the mock is not in, …).
	Notes []string
}

// receiveTransaction checks a transaction body the homeserver sent as
// origin and applies its PDUs to the mock's rooms. It never panics on
// malformed input.
func (s *Server) receiveTransaction(ctx context.Context, data []byte, origin string) TxnResult {
	res := TxnResult{PDUs: map[string]string{}}
	check := func(name string, err error) { res.Checks = append(res.Checks, Check{Name: name, Err: err}) }
	body, err := matrix.ParseObject(data)
	check("transaction body is a JSON object", err)
	if err != nil {
		return res
	}
	o, _ := body.GetString("origin")
	check("transaction origin is the requesting server", checkf(o != origin, "origin %q, X-Matrix origin %q", o, origin))
	_, tsOK := body.GetInt("origin_server_ts")
	check("transaction has an integer origin_server_ts", checkf(!tsOK, "missing or not an integer"))
	pdus, ok := body.GetArray("pdus")
	check("transaction has a pdus array", checkf(!ok, "missing or not an array"))
	check("transaction has at most 50 PDUs", checkf(len(pdus) > maxTxnPDUs, "it has %d", len(pdus)))
	if v, present := body["edus"]; present {
		edus, ok := v.([]any)
		check("transaction edus is an array", checkf(!ok, "it is not"))
		check("transaction has at most 100 EDUs", checkf(len(edus) > maxTxnEDUs, "it has %d", len(edus)))
		for i, e := range edus {
			t, allowance, err, shape := checkEDU(e, origin)
			res.EDUTypes = append(res.EDUTypes, t)
			check(fmt.Sprintf("edu %d (%s) is background traffic the spec allows", i, t), err)
			if err == nil {
				res.Checks = append(res.Checks, Check{Name: fmt.Sprintf("edu %d (%s) is shaped as its schema requires", i, t), Err: shape, JudgedBy: allowance.JudgedBy})
			}
		}
	}
	for i, p := range pdus {
		s.receivePDU(ctx, i, p, &res, check)
	}
	return res
}

func (s *Server) receivePDU(ctx context.Context, i int, p any, res *TxnResult, check func(string, error)) {
	where := fmt.Sprintf("pdu %d: ", i)
	m, ok := p.(map[string]any)
	check(where+"is an object", checkf(!ok, "it is not"))
	if !ok {
		return
	}
	obj := matrix.Object(m)
	roomID, _ := obj.GetString("room_id")
	room := s.Room(roomID)
	if room == nil {
		// A server sends a room's PDUs to the servers in it
		// (server-server-api.md §Transactions, §PDUs: "the servers that
		// are participating in the room"); the mock is not in this one, so
		// it cannot know the room version, hence not the event ID.
		check(where+"is for a room the mock is in", fmt.Errorf("room_id %q: the mock is not in that room, so it was not the homeserver's to send it this PDU", roomID))
		if id, _ := obj.GetString("event_id"); id != "" {
			res.PDUs[id] = "unknown room"
		}
		return
	}
	ev, ok := s.verifyReceived(ctx, room.Version, obj, roomID, where, check)
	if !ok {
		res.PDUs[ev.ID] = "failed the mock's checks"
		return
	}
	for _, prev := range ev.PrevEvents() {
		if room.Event(prev) == nil {
			res.Notes = append(res.Notes, fmt.Sprintf("%s%s has prev_event %s, unknown to the mock", where, ev.ID, prev))
		}
	}
	err := room.Apply(ev)
	check(where+ev.ID+" passes the auth rules", err)
	if err != nil {
		res.PDUs[ev.ID] = err.Error()
		return
	}
	res.PDUs[ev.ID] = ""
}

// serveTransaction receives PUT /send/{txnId}: every PDU is checked and
// applied to the mock's room, EDUs are journaled. A retransmitted
// transaction gets the same answer.
func (s *Server) serveTransaction(r *Request) *Reply {
	key := r.Origin + "\x00" + r.PathValue("txnId")
	s.mu.Lock()
	prev, seen := s.txns[key]
	s.mu.Unlock()
	if seen {
		r.Note("retransmission of transaction %s", r.PathValue("txnId"))
		return prev
	}
	res := s.receiveTransaction(r.HTTP.Context(), r.Body, r.Origin)
	r.Checked(res.Checks...)
	for _, n := range res.Notes {
		r.Note("%s", n)
	}
	if len(res.EDUTypes) > 0 {
		r.Note("EDUs: %v", res.EDUTypes)
	}
	if slices.ContainsFunc(res.Checks, func(c Check) bool { return c.Name == "transaction body is a JSON object" && c.Err != nil }) {
		return errorReply(http.StatusBadRequest, "M_NOT_JSON", "the transaction is not a JSON object")
	}
	results := map[string]any{}
	for id, msg := range res.PDUs {
		if msg == "" {
			results[id] = map[string]any{}
		} else {
			results[id] = map[string]any{"error": msg}
		}
	}
	reply := jsonReply(http.StatusOK, map[string]any{"pdus": results})
	s.mu.Lock()
	s.txns[key] = reply
	s.mu.Unlock()
	return reply
}
