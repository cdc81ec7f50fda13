import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.close();
});

const validGraph = {
  schemaVersion: 1,
  nodes: [
    { id: 't', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Signed Up' } },
    {
      id: 'm',
      type: 'touchpoint.email',
      position: { x: 0, y: 120 },
      config: { subject: 'Welcome', html: '<p>Hi</p>' },
    },
  ],
  edges: [{ id: 'e1', source: 't', sourcePort: 'out', target: 'm' }],
};

async function expectTrpcError(promise: Promise<unknown>, code: TRPCError['code']): Promise<TRPCError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe(code);
    return error as TRPCError;
  }
  throw new Error(`expected a ${code} error`);
}

describe('journeys API', () => {
  it('a created journey is listed and can be read back with an empty draft', async () => {
    const api = services.caller();
    const created = await api.journeys.create({ name: 'Welcome series' });
    expect(created).toMatchObject({ name: 'Welcome series', status: 'draft', draftRevision: 1 });
    expect(created.draft).toEqual({ schemaVersion: 1, nodes: [], edges: [] });
    const list = await api.journeys.list();
    expect(list.map((journey) => journey.name)).toContain('Welcome series');
    expect((await api.journeys.list({ search: 'welc' })).length).toBe(1);
    expect((await api.journeys.list({ search: 'nothing like it' })).length).toBe(0);
  });

  it('an empty name is refused with the field that was wrong', async () => {
    const error = await expectTrpcError(services.caller().journeys.create({ name: '   ' }), 'BAD_REQUEST');
    expect(error.message).toContain('a journey needs a name');
  });

  it('rename changes the name; an unknown id is NOT_FOUND', async () => {
    const api = services.caller();
    const created = await api.journeys.create({ name: 'Old' });
    await api.journeys.rename({ id: created.id, name: 'New' });
    expect((await api.journeys.get({ id: created.id })).name).toBe('New');
    await expectTrpcError(
      api.journeys.rename({ id: '00000000-0000-4000-8000-000000000000', name: 'x' }),
      'NOT_FOUND',
    );
  });

  it('a malformed draft is refused with the path of the bad field, and nothing is saved', async () => {
    const api = services.caller();
    const created = await api.journeys.create({ name: 'Draft test' });
    const bad = { ...validGraph, nodes: [{ ...validGraph.nodes[0], position: { x: 'left', y: 0 } }] };
    const error = await expectTrpcError(
      api.journeys.updateDraft({ id: created.id, draft: bad }),
      'BAD_REQUEST',
    );
    expect(error.message).toContain('nodes.0.position.x');
    const after = await api.journeys.get({ id: created.id });
    expect(after.draft.nodes).toEqual([]);
    expect(after.draftRevision).toBe(1);
  });

  it('a save based on an old revision is refused instead of overwriting the newer one', async () => {
    const api = services.caller();
    const created = await api.journeys.create({ name: 'Two tabs' });
    const first = await api.journeys.updateDraft({ id: created.id, draft: validGraph, baseRevision: 1 });
    expect(first.draftRevision).toBe(2);
    await expectTrpcError(
      api.journeys.updateDraft({
        id: created.id,
        draft: { ...validGraph, nodes: [], edges: [] },
        baseRevision: 1,
      }),
      'CONFLICT',
    );
    expect((await api.journeys.get({ id: created.id })).draft.nodes).toHaveLength(2);
  });

  it('publishing an invalid graph names the bad node and publishes nothing', async () => {
    const api = services.caller();
    const created = await api.journeys.create({ name: 'Broken' });
    const broken = {
      ...validGraph,
      nodes: [validGraph.nodes[0], { ...validGraph.nodes[1], config: { subject: '' } }],
    };
    await api.journeys.updateDraft({ id: created.id, draft: broken });
    const error = await expectTrpcError(api.journeys.publish({ id: created.id }), 'BAD_REQUEST');
    expect(error.message).toContain('node "m"');
    const after = await api.journeys.get({ id: created.id });
    expect(after.status).toBe('draft');
    expect(after.liveVersion).toBeNull();
  });

  it('publishing makes versions 1, 2… and the journey live; pause and resume follow the rules', async () => {
    const api = services.caller();
    const created = await api.journeys.create({ name: 'Publish me', draft: validGraph as never });
    expect(await api.journeys.publish({ id: created.id })).toMatchObject({ version: 1 });
    expect(await api.journeys.publish({ id: created.id })).toMatchObject({ version: 2 });
    expect((await api.journeys.get({ id: created.id })).status).toBe('live');
    await expectTrpcError(api.journeys.setStatus({ id: created.id, action: 'resume' }), 'CONFLICT');
    expect(await api.journeys.setStatus({ id: created.id, action: 'pause' })).toBe('paused');
    expect(await api.journeys.setStatus({ id: created.id, action: 'resume' })).toBe('live');
  });

  it("one workspace cannot read or change another's journey", async () => {
    const other = await services.db
      .insertInto('workspaces')
      .values({ name: 'Other' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const mine = await services.caller().journeys.create({ name: 'Mine only' });
    const theirs = services.caller(other.id);
    expect(await theirs.journeys.list()).toEqual([]);
    await expectTrpcError(theirs.journeys.get({ id: mine.id }), 'NOT_FOUND');
    await expectTrpcError(theirs.journeys.rename({ id: mine.id, name: 'hijacked' }), 'NOT_FOUND');
    await expectTrpcError(theirs.journeys.publish({ id: mine.id }), 'NOT_FOUND');
  });

  it('node types are listed with JSON Schema for the inspector', async () => {
    const types = await services.caller().nodeTypes.list();
    const email = types.find((type) => type.type === 'touchpoint.email')!;
    expect(email.category).toBe('touchpoint');
    expect(email.configSchema).toMatchObject({ type: 'object', properties: { subject: { type: 'string' } } });
    expect(types.find((type) => type.type === 'condition.if')!.defaultPorts.map((port) => port.id)).toEqual([
      'yes',
      'no',
    ]);
  });
});
