package service

import (
	"context"

	"heard"
	"heard/store"
)

var errPushUnavailable = &heard.Problem{Kind: heard.ErrNotFound, Code: "push_unavailable", Message: "Notifications are not set up on this server."}

// pushEndpoints is the push service behind the notifier, or nil when Heard
// runs without one.
func (s *Service) pushEndpoints() heard.PushEndpoints {
	p, _ := s.notifier.(heard.PushEndpoints)
	return p
}

// PushKey is the key browsers subscribe with.
func (s *Service) PushKey(ctx context.Context) (string, error) {
	push := s.pushEndpoints()
	if push == nil {
		return "", errPushUnavailable
	}
	return push.PublicKey(), nil
}

// Subscribe registers the signed-in person's browser for notifications, with
// the session (and a young person's phone) it came from, so signing out stops it.
func (s *Service) Subscribe(ctx context.Context, p heard.Principal, n heard.NewPushSubscription) (heard.PushSubscriptionView, error) {
	push := s.pushEndpoints()
	if push == nil {
		return heard.PushSubscriptionView{}, errPushUnavailable
	}
	if errs := n.Validate(push.EndpointProblem(n.Endpoint)); len(errs) > 0 {
		return heard.PushSubscriptionView{}, heard.Invalid(errs)
	}
	p256dh, auth := n.Keys()
	sub, err := s.store.SavePushSubscription(ctx, store.PushSubscription{AreaID: p.AreaID, Endpoint: n.Endpoint, P256dh: p256dh, Auth: auth,
		OwnerID: p.ID, OwnerRole: p.Role, DeviceID: p.DeviceID, SessionID: p.SessionID, ExpiresAt: n.Expires()})
	if err != nil {
		return heard.PushSubscriptionView{}, err
	}
	return heard.PushSubscriptionView{ID: sub.ID, CreatedAt: sub.CreatedAt}, nil
}

// Unsubscribe stops notifications to one of the caller's own browsers; anyone
// else's is "not found".
func (s *Service) Unsubscribe(ctx context.Context, p heard.Principal, endpoint string) error {
	switch {
	case endpoint == "":
		return heard.Invalid(map[string]string{"endpoint": "required"})
	case len(endpoint) > heard.MaxPushEndpointLength:
		return heard.Invalid(map[string]string{"endpoint": "too_long"})
	}
	deleted, err := s.store.DeletePushSubscription(ctx, p.AreaID, p.ID, endpoint)
	if err != nil {
		return err
	}
	if !deleted {
		return heard.ErrNotFound
	}
	return nil
}

// DeliveryProblems lists the area's recent notifications that met a problem,
// for its administrators: when, what kind, to which role, the push service's
// answer; never what they said or to whom.
func (s *Service) DeliveryProblems(ctx context.Context, p heard.Principal) ([]heard.DeliveryProblem, error) {
	if p.Role != heard.RoleAdministrator {
		return nil, heard.ErrForbidden
	}
	ds, err := s.store.DeliveryProblems(ctx, p.AreaID, 100)
	if err != nil {
		return nil, err
	}
	out := make([]heard.DeliveryProblem, 0, len(ds))
	for _, d := range ds {
		status := d.Status
		if status == store.DeliveryPending || status == store.DeliverySending {
			status = "retrying"
		}
		out = append(out, heard.DeliveryProblem{At: d.UpdatedAt, Status: status, Type: d.Type, RecipientRole: d.RecipientRole,
			StatusCode: d.LastStatus, Reason: d.LastError, Attempts: d.Attempts})
	}
	return out, nil
}
