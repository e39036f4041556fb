describe('runtime', () => {
  it('runs on Node 22, the Lambda nodejs22.x runtime', () => {
    expect(process.versions.node.split('.')[0]).toBe('22');
  });
});
