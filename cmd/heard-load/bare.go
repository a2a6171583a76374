package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	mongooptions "go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard/store"
)

// bareServer is the yardstick for card sends: a bare Fiber app in this
// process whose one handler inserts the request's JSON as one document into
// its own embedded FerretDB, through the official driver. Whatever Heard does
// beyond that insert is what costs the difference.
type bareServer struct {
	dir   string
	emb   *store.Embedded
	mongo *mongo.Client
	app   *fiber.App
	base  string
}

func startBare(host string) (_ *bareServer, err error) {
	b := &bareServer{}
	defer func() {
		if err != nil {
			b.stop()
		}
	}()
	if b.dir, err = os.MkdirTemp("", "heard-load-bare-"); err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	if b.emb, err = store.StartEmbedded(b.dir, quiet); err != nil {
		return nil, err
	}
	if b.mongo, err = mongo.Connect(mongooptions.Client().ApplyURI(b.emb.URI())); err != nil {
		return nil, err
	}
	cards := b.mongo.Database("bare").Collection("cards")
	b.app = fiber.New(fiber.Config{DisableStartupMessage: true})
	b.app.Post("/cards", func(c *fiber.Ctx) error {
		var doc bson.M
		if err := json.Unmarshal(c.Body(), &doc); err != nil {
			return c.SendStatus(fiber.StatusBadRequest)
		}
		cx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
		defer cancel()
		if _, err := cards.InsertOne(cx, doc); err != nil {
			return c.SendStatus(fiber.StatusInternalServerError)
		}
		return c.SendStatus(fiber.StatusCreated)
	})
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, err
	}
	b.base = "http://" + ln.Addr().String()
	go func() { _ = b.app.Listener(ln) }()
	return b, nil
}

func (b *bareServer) stop() {
	if b.app != nil {
		_ = b.app.ShutdownWithTimeout(10 * time.Second)
	}
	if b.mongo != nil {
		_ = b.mongo.Disconnect(context.Background())
	}
	if b.emb != nil {
		b.emb.Stop()
	}
	if b.dir != "" {
		_ = os.RemoveAll(b.dir)
	}
}
