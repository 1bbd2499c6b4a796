/**
 * @docrag/testing: in-memory fakes for every domain port and the contract suites every adapter
 * must pass. Test code only (lint forbids importing it from production files).
 */

// ---- fakes: one per port ----
export { FakeEmbedder, hashedDense, hashedSparse } from './fakes/fake-embedder';
export type { FakeEmbedderOptions } from './fakes/fake-embedder';
export { FakeReranker } from './fakes/fake-reranker';
export { InMemoryVectorStore } from './fakes/in-memory-vector-store';
export { FakeGenerator } from './fakes/fake-generator';
export type { FakeGeneratorOptions } from './fakes/fake-generator';
export { FakeClock, InMemoryChatHistory, InMemoryFileRegistry, sha256Hasher } from './fakes/in-memory-storage';
export { FakeParsers } from './fakes/fake-parsers';
export { cosine, sleep, words } from './fakes/text';

// ---- fixtures ----
export { makeFixtureFile } from './fixtures';
export type { FixtureFile, FixtureFileOptions } from './fixtures';

// ---- contract suites (call from an adapter's *.test.ts) ----
export { runVectorStoreContract } from './contracts/vector-store.contract';
export type { VectorStoreContractOptions } from './contracts/vector-store.contract';
export { runEmbedderContract } from './contracts/embedder.contract';
export type { EmbedderContractOptions } from './contracts/embedder.contract';
export { contractRequest, runGeneratorContract } from './contracts/generator.contract';
export type { GeneratorContractOptions } from './contracts/generator.contract';

// ---- the real tokenizer from ../shared, for chunk-size tests ----
export { loadSharedTokenizer, sharedDir, workspaceRoot } from './shared-tokenizer';
export type { TestTokenizer } from './shared-tokenizer';
