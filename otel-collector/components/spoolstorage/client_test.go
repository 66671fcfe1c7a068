package spoolstorage

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

func open(t *testing.T, dir string) *client {
	t.Helper()
	c, err := openClient(dir, false, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func get(t *testing.T, c *client, key string) []byte {
	t.Helper()
	v, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSetGetDelete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := open(t, dir)
	for _, key := range []string{"qmv0", "0", "10", "a/b", "..", ".", "x.tmp", "journal", "é ü", ""} {
		if v := get(t, c, key); v != nil {
			t.Fatalf("%q before Set: got %q, want nil", key, v)
		}
		if err := c.Set(ctx, key, []byte("v-"+key)); err != nil {
			t.Fatal(err)
		}
	}
	// Everything survives reopening (a restart).
	c = open(t, dir)
	for _, key := range []string{"qmv0", "0", "10", "a/b", "..", ".", "x.tmp", "journal", "é ü", ""} {
		if v := string(get(t, c, key)); v != "v-"+key {
			t.Fatalf("%q after reopen: got %q", key, v)
		}
		if err := c.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if v := get(t, c, key); v != nil {
			t.Fatalf("%q after Delete: got %q, want nil", key, v)
		}
	}
	if err := c.Delete(ctx, "never-set"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
	// An empty value is a value, not a missing key.
	if err := c.Set(ctx, "empty", nil); err != nil {
		t.Fatal(err)
	}
	if v := get(t, c, "empty"); v == nil || len(v) != 0 {
		t.Fatalf("empty value: got %#v, want an empty non-nil slice", v)
	}
}

func TestBatchSeesItsOwnChanges(t *testing.T) {
	ctx := context.Background()
	c := open(t, t.TempDir())
	if err := c.Set(ctx, "a", []byte("old")); err != nil {
		t.Fatal(err)
	}
	before, set, after, del, gone := storage.GetOperation("a"), storage.SetOperation("a", []byte("new")),
		storage.GetOperation("a"), storage.DeleteOperation("a"), storage.GetOperation("a")
	if err := c.Batch(ctx, before, set, after, del, gone); err != nil {
		t.Fatal(err)
	}
	if string(before.Value) != "old" || string(after.Value) != "new" || gone.Value != nil {
		t.Fatalf("got %q, %q, %q; want old, new, nil", before.Value, after.Value, gone.Value)
	}
	if v := get(t, c, "a"); v != nil {
		t.Fatalf("after the batch: got %q, want nil", v)
	}
}

// A crash after a batch's journal was committed but before it was applied: the next open finishes it.
func TestCommittedJournalIsReplayed(t *testing.T) {
	dir := t.TempDir()
	c := open(t, dir)
	ctx := context.Background()
	if err := c.Set(ctx, "old-item", []byte("x")); err != nil {
		t.Fatal(err)
	}
	// What a batch {Set qmv0, Delete old-item} leaves behind if the process dies right after committing.
	must(t, os.WriteFile(filepath.Join(dir, "7.tmp"), []byte("meta-2"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, journalName), []byte("R 7.tmp k_qmv0\nD k_old-item\n"), 0o600))
	// An uncommitted value of a later batch, and an uncommitted journal: both dropped.
	must(t, os.WriteFile(filepath.Join(dir, "8.tmp"), []byte("never committed"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, journalName+tmpSuffix), []byte("R 8.tmp k_x\n"), 0o600))

	c = open(t, dir)
	if v := string(get(t, c, "qmv0")); v != "meta-2" {
		t.Fatalf("qmv0: got %q, want meta-2", v)
	}
	if v := get(t, c, "old-item"); v != nil {
		t.Fatalf("old-item: got %q, want deleted", v)
	}
	if v := get(t, c, "x"); v != nil {
		t.Fatalf("x: got %q, want nothing (its batch never committed)", v)
	}
	entries, err := os.ReadDir(dir)
	must(t, err)
	for _, e := range entries {
		if e.Name() != "k_qmv0" {
			t.Fatalf("left behind: %s", e.Name())
		}
	}
	// Replaying twice (a crash during the replay) changes nothing.
	must(t, os.WriteFile(filepath.Join(dir, journalName), []byte("R 7.tmp k_qmv0\nD k_old-item\n"), 0o600))
	c = open(t, dir)
	if v := string(get(t, c, "qmv0")); v != "meta-2" {
		t.Fatalf("qmv0 after a second replay: got %q", v)
	}
}

// A committed batch that cannot be applied stops all writing until a restart replays its journal.
func TestUnappliedBatchIsFinishedByTheNextStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := open(t, dir)
	// A non-empty directory where the value of "b" belongs: renaming onto it fails after the journal committed.
	must(t, os.MkdirAll(filepath.Join(dir, "k_b", "in-the-way"), 0o750))
	if err := c.Batch(ctx, storage.SetOperation("a", []byte("1")), storage.SetOperation("b", []byte("2"))); err == nil {
		t.Fatal("the batch reported success")
	}
	if err := c.Set(ctx, "c", []byte("3")); err == nil {
		t.Fatal("a write after an unapplied batch was accepted")
	}
	must(t, os.RemoveAll(filepath.Join(dir, "k_b")))
	c = open(t, dir)
	if a, b := string(get(t, c, "a")), string(get(t, c, "b")); a != "1" || b != "2" {
		t.Fatalf("after the restart: a=%q b=%q, want 1 and 2", a, b)
	}
	if v := get(t, c, "c"); v != nil {
		t.Fatalf("c was refused, yet holds %q", v)
	}
}

func TestUnreadableJournalIsAnError(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, journalName), []byte("rename a b\n"), 0o600))
	if _, err := openClient(dir, false, zap.NewNop()); err == nil {
		t.Fatal("want an error naming the journal line")
	}
}

func TestExtensionClientsAreSeparate(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "storage")
	ext := newExtension(&Config{Directory: root, CreateDirectory: true, Fsync: true}, zap.NewNop())
	must(t, ext.Start(ctx, nil))
	a, err := ext.GetClient(ctx, component.KindExporter, component.MustNewIDWithName("otlp_grpc", "spool"), "metrics")
	must(t, err)
	b, err := ext.GetClient(ctx, component.KindExporter, component.MustNewIDWithName("otlp_grpc", "other"), "metrics")
	must(t, err)
	must(t, a.Set(ctx, "k", []byte("a")))
	if v, _ := b.Get(ctx, "k"); v != nil {
		t.Fatalf("client b sees client a's key: %q", v)
	}
	if _, err := os.Stat(filepath.Join(root, "exporter_otlp_grpc_spool_metrics")); err != nil {
		t.Fatalf("client directory: %v", err)
	}
	must(t, ext.Shutdown(ctx))
	if err := a.Set(ctx, "k", []byte("x")); err == nil {
		t.Fatal("a closed client accepted a Set")
	}
}

func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	if err := (&Config{}).Validate(); err == nil {
		t.Fatal("an empty directory must be refused")
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if err := newExtension(&Config{Directory: missing}, zap.NewNop()).Start(ctx, nil); err == nil {
		t.Fatal("a missing directory without create_directory must be refused")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
