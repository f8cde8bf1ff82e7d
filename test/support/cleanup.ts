/**
 * Vitest setup file (vitest.config.ts and the other configs): after each test file, the temp
 * folders it made through tempDir() are deleted, so a run leaves nothing in the temp folder even
 * when a test keeps its folder to the end (a server restarted on it, files read after stop).
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp.js';

afterAll(() => removeTempDirs());
