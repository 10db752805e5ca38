import { generationWorkflowId } from '../../workflows/generation-definitions';

describe('generation workflow ids', () => {
  it('are derived from type, project and storyboard, so a duplicate request maps to the same run', () => {
    expect(generationWorkflowId('image', 'p1', 's9')).toBe('jimeng-image/p1/s9');
    expect(generationWorkflowId('video', 'p1', 's9')).toBe('jimeng-video/p1/s9');
    // '/' cannot occur in either part, so no two (project, storyboard) pairs share an id.
    expect(generationWorkflowId('image', 'p-1', 's')).toBe('jimeng-image/p-1/s');
    expect(generationWorkflowId('image', 'p', '1-s')).toBe('jimeng-image/p/1-s');
  });

  it('refuse ids that could not be searched or would be ambiguous', () => {
    expect(() => generationWorkflowId('image', '', 's')).toThrow(/projectId/);
    expect(() => generationWorkflowId('image', 'p', 'a b')).toThrow(/storyboardId/);
    expect(() => generationWorkflowId('image', 'p', 'a/b')).toThrow(/storyboardId/);
    expect(() => generationWorkflowId('image', 'p'.repeat(51), 's')).toThrow(/projectId/);
  });
});
