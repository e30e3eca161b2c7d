import assert from "node:assert/strict";
import { test } from "node:test";
import { newId } from "../../src/ids.ts";
import type { AttributeRow, ImportRow, ParticipantRow } from "../../src/store/directory-types.ts";
import { DuplicateIdentifierError, DuplicateKeyError } from "../../src/store/errors.ts";
import {
  app,
  appWithEndpoint,
  delivery,
  firstPage,
  forEachStore,
  importJob,
  message,
  T0,
} from "./fixtures.ts";

function participant(appId: string, i: number, overrides: Partial<ParticipantRow> = {}): ParticipantRow {
  return {
    id: newId("prt", T0 + i),
    appId,
    attributes: { City: i % 2 === 0 ? "Oslo" : "Rome", Age: 30 + i },
    tags: i % 2 === 0 ? ["even"] : ["odd"],
    consent: { given: true, at: T0, source: "test" },
    unsubscribedAt: null,
    externalIdentifiers: [{ issuer: "crm", id: `c${i}` }],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

forEachStore("Store conformance (directory)", (ctx) => {
  test("issuers: inserted, read, listed, deleted; the id is unique per application", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const issuer = { appId: a.id, id: "crm", description: "the CRM", createdAt: T0 };
    await ctx.store.insertIssuer(issuer);
    await ctx.store.insertIssuer({ ...issuer, id: "app" });
    assert.deepEqual(await ctx.store.getIssuer(a.id, "crm"), issuer);
    assert.deepEqual(
      (await ctx.store.listIssuers(a.id)).map((row) => row.id),
      ["app", "crm"],
    );
    await assert.rejects(
      ctx.store.insertIssuer(issuer),
      (error) => error instanceof DuplicateKeyError && error.key === "issuer.id",
    );
    await ctx.store.deleteIssuer(a.id, "crm");
    assert.equal(await ctx.store.getIssuer(a.id, "crm"), null);
  });

  test("attributes: inserted, updated, listed in creation order, deleted; labels unique", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const city: AttributeRow = {
      appId: a.id,
      id: "City",
      label: "City",
      valueType: "SingleChoice",
      choices: [{ value: "oslo", label: "Oslo" }],
      systemDefined: false,
      createdAt: T0,
      updatedAt: T0,
    };
    await ctx.store.insertAttribute(city);
    await ctx.store.insertAttribute({
      ...city,
      id: "Age",
      label: "Age",
      valueType: "Number",
      choices: null,
      createdAt: T0 + 1,
    });
    await ctx.store.updateAttribute({ ...city, label: "Town", choices: null, updatedAt: T0 + 2 });
    const listed = await ctx.store.listAttributes(a.id);
    assert.deepEqual(
      listed.map((row) => [row.id, row.label, row.choices]),
      [
        ["City", "Town", null],
        ["Age", "Age", null],
      ],
    );
    await assert.rejects(
      ctx.store.insertAttribute({ ...city, id: "Other", label: "Age" }),
      (error) => error instanceof DuplicateKeyError && error.key === "attribute",
    );
    await ctx.store.deleteAttribute(a.id, "Age");
    assert.equal((await ctx.store.listAttributes(a.id)).length, 1);
  });

  test("participants: read, listed by tag, attribute and identifier, replaced, deleted", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const people = [0, 1, 2].map((i) => participant(a.id, i));
    await ctx.store.saveParticipants(people, []);
    assert.deepEqual(await ctx.store.getParticipant(a.id, people[1]!.id), people[1]);
    const ids = async (filter: Parameters<typeof ctx.store.listParticipants>[1]) =>
      (await ctx.store.listParticipants(a.id, filter, firstPage(10, "asc"))).items.map((row) => row.id);
    assert.deepEqual(
      await ids({}),
      people.map((p) => p.id),
    );
    assert.deepEqual(await ids({ tag: "even" }), [people[0]!.id, people[2]!.id]);
    assert.deepEqual(await ids({ attribute: { id: "City", value: "Rome" } }), [people[1]!.id]);
    assert.deepEqual(await ids({ attribute: { id: "Age", value: "32" } }), [people[2]!.id]);
    assert.deepEqual(await ids({ issuer: "crm", externalId: "c2" }), [people[2]!.id]);
    assert.deepEqual(await ids({ issuer: "nope" }), []);

    // Saving again replaces attributes and identifiers.
    const moved = {
      ...people[0]!,
      tags: ["vip"],
      externalIdentifiers: [{ issuer: "crm", id: "c9" }],
      updatedAt: T0 + 1,
    };
    await ctx.store.saveParticipants([moved], []);
    assert.deepEqual(await ctx.store.getParticipant(a.id, moved.id), moved);
    assert.equal(await ctx.store.findParticipantByIdentifier(a.id, "crm", "c0"), null);
    await ctx.store.deleteParticipant(a.id, moved.id);
    assert.equal(await ctx.store.getParticipant(a.id, moved.id), null);
  });

  test("saving many participants at once: an identifier another holds names itself and saves nothing", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    // More than one multi-row statement's worth, so a failure can come after rows already written.
    const people = Array.from({ length: 150 }, (_, i) => participant(a.id, i));
    const messages = [0, 1, 2].map((i) => ({ message: message(a.id, T0 + i), deliveries: [] }));
    await ctx.store.saveParticipants(people, messages);
    assert.equal((await ctx.store.findParticipantsByIdentifiers(a.id, "crm", ["c0", "c149"])).size, 2);
    assert.ok(await ctx.store.getMessage(a.id, messages[2]!.message.id));

    const newcomers = Array.from({ length: 100 }, (_, i) => participant(a.id, 200 + i));
    const thief = participant(a.id, 400, { externalIdentifiers: [{ issuer: "crm", id: "c7" }] });
    const late = { message: message(a.id, T0 + 50), deliveries: [] };
    const error = await ctx.store.saveParticipants([...newcomers, thief], [late]).then(
      () => null,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof DuplicateIdentifierError, String(error));
    assert.deepEqual([error.issuer, error.externalId], ["crm", "c7"]);
    assert.equal(await ctx.store.getParticipant(a.id, newcomers[0]!.id), null, "the whole call rolled back");
    assert.equal(await ctx.store.getMessage(a.id, late.message.id), null);
    assert.equal((await ctx.store.findParticipantByIdentifier(a.id, "crm", "c7"))?.id, people[7]!.id);

    // Two new participants of one call claiming the same identifier: refused too.
    const twins = [participant(a.id, 500), participant(a.id, 501)].map((p) => ({
      ...p,
      externalIdentifiers: [{ issuer: "crm", id: "twin" }],
    }));
    await assert.rejects(ctx.store.saveParticipants(twins, []), DuplicateKeyError);
    assert.equal(await ctx.store.findParticipantByIdentifier(a.id, "crm", "twin"), null);
  });

  test("saving participants with an import's progress writes both or, when the save fails, neither", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const job = importJob(a.id, T0, { options: { issuer: "crm" }, file: "/tmp/x.csv" });
    await ctx.store.insertImport(job);
    const people = [participant(a.id, 0), participant(a.id, 1)];
    const progress: ImportRow = { ...job, state: "running", rowsRead: 2, created: 2, updatedAt: T0 + 1 };
    await ctx.store.saveParticipants(people, [], progress);
    assert.deepEqual(await ctx.store.getImport(a.id, job.id), progress);
    assert.equal((await ctx.store.findParticipantsByIdentifiers(a.id, "crm", ["c0", "c1"])).size, 2);

    const thief = participant(a.id, 2, { externalIdentifiers: [{ issuer: "crm", id: "c0" }] });
    await assert.rejects(
      ctx.store.saveParticipants([thief], [], { ...progress, rowsRead: 3, created: 3, updatedAt: T0 + 2 }),
      DuplicateIdentifierError,
    );
    assert.deepEqual(await ctx.store.getImport(a.id, job.id), progress);
  });

  test("imports: inserted, updated, unfinished ones listed", async () => {
    const a = app();
    await ctx.store.insertApplication(a);
    const job = importJob(a.id, T0, { options: { issuer: "crm" }, file: "/tmp/x.csv" });
    await ctx.store.insertImport(job);
    await ctx.store.insertImport({ ...job, id: newId("imp", T0 + 1), state: "completed" });
    assert.deepEqual(
      (await ctx.store.listUnfinishedImports()).map((row) => row.id),
      [job.id],
    );
    const progressed = {
      ...job,
      state: "running" as const,
      rowsRead: 10,
      created: 7,
      updated: 2,
      unchanged: 3,
      failed: 1,
      errors: [{ row: 3, column: "Age", message: "not a number" }],
      message: "halfway",
      updatedAt: T0 + 5,
    };
    await ctx.store.updateImport(progressed);
    assert.deepEqual(await ctx.store.getImport(a.id, job.id), progressed);
    assert.equal(await ctx.store.getImport("app_other", job.id), null);
  });

  test("distributions: recipients with their messages, responses marked once, counts follow deliveries", async () => {
    const { a, ep } = await appWithEndpoint(ctx.store);
    const people = [0, 1, 2].map((i) => participant(a.id, i));
    await ctx.store.saveParticipants(people, []);
    const distribution = {
      id: newId("dst", T0),
      appId: a.id,
      distributionType: "Invitation" as const,
      message: "Hello",
      chatUrl: "https://chat.example",
      domainBrandName: "Brand",
      audience: { tags: ["even"] },
      reminderOf: null,
      createdAt: T0,
    };
    await ctx.store.insertDistribution(distribution);
    await ctx.store.insertDistribution({
      ...distribution,
      id: newId("dst", T0 + 1),
      reminderOf: distribution.id,
    });
    assert.deepEqual(await ctx.store.getDistribution(a.id, distribution.id), distribution);
    assert.equal((await ctx.store.listDistributions(a.id, firstPage(1))).done, false);

    const messages = people.map((_, i) => message(a.id, T0 + i));
    const recipients = people.map((p, i) => ({
      distributionId: distribution.id,
      participantId: p.id,
      msgId: messages[i]!.id,
      chatId: `chat-${i}`,
      respondedAt: null,
    }));
    await ctx.store.addRecipients(
      recipients,
      messages.map((m, i) => ({
        message: m,
        deliveries: [{ ...delivery(m, ep.id, T0), status: i === 0 ? 0 : i === 1 ? 2 : 1 }],
      })),
    );
    assert.deepEqual(
      (await ctx.store.listRecipients(distribution.id, recipients[0]!.participantId, 10)).map(
        (r) => r.chatId,
      ),
      ["chat-1", "chat-2"],
    );
    assert.equal(await ctx.store.markResponded(distribution.id, people[1]!.id, T0 + 9), true);
    assert.equal(await ctx.store.markResponded(distribution.id, people[1]!.id, T0 + 99), true);
    assert.equal(await ctx.store.markResponded(distribution.id, "prt_unknown", T0), false);
    assert.equal(
      (await ctx.store.listRecipients(distribution.id, null, 10))[1]?.respondedAt,
      T0 + 9,
      "the first response counts",
    );
    assert.deepEqual(await ctx.store.distributionCounts(distribution.id), {
      targeted: 3,
      delivered: 1,
      failed: 1,
      pending: 1,
    });
  });
});
