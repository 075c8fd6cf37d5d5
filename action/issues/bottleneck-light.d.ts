// The throttling plugin uses Bottleneck's light build; the write spacing must be a group of that same build.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
