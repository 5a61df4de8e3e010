/** The capabilities page (issue 15). */
export function CapabilitiesPage() {
  return (
    <section>
      <h1>Capabilities</h1>
      <p>Not built yet.</p>
    </section>
  );
}
