/** The playground page (issue 15). */
export function PlaygroundPage() {
  return (
    <section>
      <h1>Playground</h1>
      <p>Not built yet.</p>
    </section>
  );
}
