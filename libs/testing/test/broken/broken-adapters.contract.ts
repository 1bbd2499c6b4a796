/**
 * Deliberately broken adapters run through the contract suites. Not a test of its own: the
 * contract-catches-bugs test runs this file in a child vitest and expects these suites to FAIL.
 */
import type { GenerateRequest, GenerationEvent, HybridQuery, OwnerId, ParentChunk, ParentId, ScoredChunk } from '@docrag/domain';
import { FakeGenerator, InMemoryVectorStore, runGeneratorContract, runVectorStoreContract } from '../../src/index';

/** Forgets the owner filter on reads: another user's chunks leak. */
class LeakyStore extends InMemoryVectorStore {
  override async query(query: HybridQuery): Promise<ScoredChunk[]> {
    const own = await super.query(query);
    const other = await super.query({ ...query, ownerId: 'user:2002' as OwnerId });
    return [...own, ...other];
  }
  override async getParents(ownerId: OwnerId, ids: readonly ParentId[]): Promise<ParentChunk[]> {
    const mine = await super.getParents(ownerId, ids);
    return mine.length > 0 ? mine : super.getParents('user:2002' as OwnerId, ids);
  }
}

/** Emits `done` twice and ignores the abort signal. */
class SloppyGenerator extends FakeGenerator {
  override async *generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    yield { type: 'delta', text: 'a' };
    yield { type: 'delta', text: 'b' };
    yield { type: 'done', finishReason: 'stop', model: 'sloppy' };
    yield { type: 'done', finishReason: 'stop', model: 'sloppy' };
    void request;
  }
}

runVectorStoreContract('LeakyStore', () => new LeakyStore());
runGeneratorContract('SloppyGenerator', () => new SloppyGenerator());
